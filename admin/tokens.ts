// Bearer tokens for the HTTP API and MCP over HTTP. The secret is shown once at creation; only its
// sha256 is stored (the secret has 256 bits of entropy, so a plain hash cannot be brute-forced).
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { AdminError } from './errors.js';

export const SCOPES = ['lookup', 'notes:read', 'vips:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const SCOPE_MEANINGS: Record<Scope, string> = {
  lookup: 'look up senders and read the VIP list, without notes',
  'notes:read': 'see notes and contact notes in answers',
  'vips:write': 'add, edit, remove and import VIPs; run a validation; add, edit and delete contact notes',
  admin: 'everything: also export, sync status and trigger, the audit log',
};

const TOKEN_PREFIX = 'vipsync_';
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function hasScope(granted: readonly string[], needed: Scope): boolean {
  return granted.includes('admin') || granted.includes(needed);
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function parseScopes(raw: readonly string[]): Scope[] {
  const scopes = [...new Set(raw.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))];
  if (scopes.length === 0) throw new AdminError('invalid', `a token needs at least one scope: ${SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new AdminError('invalid', `unknown scope "${scope}"; scopes are ${SCOPES.join(', ')}`);
    }
  }
  return scopes as Scope[];
}

export interface TokenInfo {
  name: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Creates a token and returns its secret: the only time the secret exists outside the caller. */
export async function createToken(db: Db, input: { name: string; scopes: readonly string[] }, actor: Actor): Promise<{ name: string; scopes: Scope[]; token: string }> {
  if (!TOKEN_NAME.test(input.name)) {
    throw new AdminError('invalid', `token name "${input.name}" must be 1-63 letters, digits, dots, dashes or underscores`);
  }
  const scopes = parseScopes(input.scopes);
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  await db.$transaction(async (tx) => {
    const existing = await tx.apiToken.findUnique({ where: { name: input.name } });
    if (existing && !existing.revokedAt) throw new AdminError('conflict', `a token named "${input.name}" already exists; revoke it first or pick another name`);
    // A revoked token's name may be reused: the old row goes, its history stays in the audit log.
    if (existing) await tx.apiToken.delete({ where: { id: existing.id } });
    await tx.apiToken.create({ data: { name: input.name, tokenHash: hashToken(token), scopes } });
    await writeAudit(tx, { actor, action: 'token.create', subject: `token:${input.name}`, details: { scopes } });
  });
  return { name: input.name, scopes, token };
}

export async function listTokens(db: Db, actor: Actor): Promise<TokenInfo[]> {
  const rows = await db.apiToken.findMany({ orderBy: { name: 'asc' } });
  await writeAudit(db, { actor, action: 'token.list', details: { count: rows.length } });
  return rows.map((r) => ({ name: r.name, scopes: r.scopes, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt }));
}

export async function revokeToken(db: Db, name: string, actor: Actor): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { name } });
    if (!row) throw new AdminError('not_found', `no token named "${name}" (vipsync token list shows them)`);
    if (row.revokedAt) return;
    await tx.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await writeAudit(tx, { actor, action: 'token.revoke', subject: `token:${name}` });
  });
}

export interface VerifiedToken {
  name: string;
  scopes: string[];
}

/**
 * Checks bearer tokens. With a change feed, known tokens are cached in memory and the cache is
 * dropped whenever api_tokens changes (a revocation takes effect at its commit); without one,
 * every check reads the database. last_used_at is written at most once a minute per token.
 */
export class TokenVerifier {
  private cache = new Map<string, VerifiedToken>();
  private generation = 0;
  private lastUsedWritten = new Map<string, number>();

  constructor(private readonly db: Db, private readonly feed?: ChangeFeed) {
    feed?.subscribe(['api_tokens'], () => {
      this.generation += 1;
      this.cache.clear();
    });
  }

  async verify(secret: string): Promise<VerifiedToken | null> {
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
    // Keyed by the secret itself, so a known token costs no hashing; the database only ever sees
    // (and stores) the hash. Unknown secrets are not cached: a flood of them cannot grow the map.
    const cached = this.feed?.healthy ? this.cache.get(secret) : undefined;
    const token = cached ?? (await this.load(secret));
    if (token) this.touch(token.name);
    return token;
  }

  private async load(secret: string): Promise<VerifiedToken | null> {
    const generation = this.generation;
    const row = await this.db.apiToken.findUnique({ where: { tokenHash: hashToken(secret) } });
    if (!row || row.revokedAt) return null;
    const token = { name: row.name, scopes: row.scopes };
    if (this.feed?.healthy && generation === this.generation) this.cache.set(secret, token);
    return token;
  }

  private touch(name: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(name) ?? 0) < 60_000) return;
    this.lastUsedWritten.set(name, now);
    this.db.apiToken.update({ where: { name }, data: { lastUsedAt: new Date(now) } }).catch(() => {});
  }
}

// The console's sign-in: an API token (the same tokens and scopes as the HTTP API) is exchanged for
// a session: a random secret in an HttpOnly, SameSite=Strict cookie, whose sha256 is a row in
// console_sessions. Every request reads the row joined with its token, so a revoked token ends
// its sessions at once. Each session has a CSRF secret that every form POST and script request
// sends back (a hidden field or the x-csrf-token header); the sign-in form, before any session,
// is protected by a double-submit cookie.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hasScope, hashToken, type Scope } from '../../admin/tokens.js';
import { writeAudit, type Actor } from '../../db/audit-log.js';
import type { Db } from '../../db/client.js';

export const SESSION_COOKIE = 'vipsync_session';
export const SIGN_IN_COOKIE = 'vipsync_sign_in';
/** A session lasts a working day; then the token is asked for again. */
export const SESSION_HOURS = 12;

export interface ConsoleSession {
  id: bigint;
  tokenName: string;
  scopes: string[];
  csrf: string;
}

const secret = () => randomBytes(32).toString('base64url');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function sameSecret(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function can(session: ConsoleSession, scope: Scope): boolean {
  return hasScope(session.scopes, scope);
}

export function consoleActor(session: ConsoleSession): Actor {
  return { name: `token:${session.tokenName}`, surface: 'console' };
}

function cookieOptions(request: FastifyRequest, maxAgeSeconds: number) {
  return { path: '/console', httpOnly: true, sameSite: 'strict' as const, secure: request.protocol === 'https', maxAge: maxAgeSeconds };
}

/** The session of this request's cookie, or null (none, unknown, expired, or its token revoked). */
export async function readSession(db: Db, request: FastifyRequest): Promise<ConsoleSession | null> {
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie || cookie.length > 100) return null;
  const row = await db.consoleSession.findUnique({ where: { sessionHash: sha256(cookie) }, include: { token: true } });
  if (!row || row.expiresAt.getTime() <= Date.now() || row.token.revokedAt) return null;
  return { id: row.id, tokenName: row.token.name, scopes: row.token.scopes, csrf: row.csrfToken };
}

/** Exchanges an API token for a session and sets its cookie; null when the token is unknown or revoked. */
export async function signIn(db: Db, request: FastifyRequest, reply: FastifyReply, tokenSecret: string): Promise<ConsoleSession | null> {
  const token = tokenSecret.length > 200 ? null : await db.apiToken.findUnique({ where: { tokenHash: hashToken(tokenSecret.trim()) } });
  if (!token || token.revokedAt) return null;
  const cookie = secret();
  const csrf = secret();
  const now = Date.now();
  // Old sessions of anyone go when someone signs in: the table holds only live ones.
  await db.consoleSession.deleteMany({ where: { expiresAt: { lte: new Date(now) } } });
  const row = await db.consoleSession.create({
    data: { sessionHash: sha256(cookie), tokenId: token.id, csrfToken: csrf, expiresAt: new Date(now + SESSION_HOURS * 3600_000) },
  });
  await db.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } });
  const session = { id: row.id, tokenName: token.name, scopes: token.scopes, csrf };
  await writeAudit(db, { actor: consoleActor(session), action: 'console.sign-in' });
  reply.setCookie(SESSION_COOKIE, cookie, cookieOptions(request, SESSION_HOURS * 3600));
  reply.clearCookie(SIGN_IN_COOKIE, { path: '/console' });
  return session;
}

export async function signOut(db: Db, reply: FastifyReply, session: ConsoleSession): Promise<void> {
  await db.consoleSession.deleteMany({ where: { id: session.id } });
  await writeAudit(db, { actor: consoleActor(session), action: 'console.sign-out' });
  reply.clearCookie(SESSION_COOKIE, { path: '/console' });
}

/** The sign-in form's CSRF secret: the same value in a cookie and in the form (double submit). */
export function signInCsrf(request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[SIGN_IN_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const value = secret();
  reply.setCookie(SIGN_IN_COOKIE, value, cookieOptions(request, 3600));
  return value;
}

/** The CSRF secret a POST sent: the form's `_csrf` field, or the x-csrf-token header of a script. */
export function sentCsrf(request: FastifyRequest, fields?: Record<string, unknown>): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = fields ?? (request.body as Record<string, unknown> | undefined);
  const field = body && typeof body === 'object' ? body._csrf : undefined;
  return typeof field === 'string' ? field : undefined;
}

// The lookup's answer: the handling per level and the owner directory, with their defaults and
// the variables that override them (VIPSYNC_HANDLING, VIPSYNC_OWNERS); how many contact notes it
// carries (VIPSYNC_LOOKUP_CONTACT_NOTES).
import { z } from 'zod';
import { ConfigError } from '../runtime/config-error.js';
import { DEFAULT_CONTACT_NOTES_IN_ANSWER, MAX_CONTACT_NOTES_IN_ANSWER } from './notes.js';

type Env = Record<string, string | undefined>;

export interface HandlingHint {
  priority: string;
  escalationTeam: string | null;
  responseTimeMinutes: number;
  guidance: string;
}

/** What common VIP-support practice does per level; VIPSYNC_HANDLING overrides any part of it. */
export const DEFAULT_HANDLING: Readonly<Record<1 | 2 | 3 | 4 | 5, HandlingHint>> = {
  5: { priority: 'immediate', escalationTeam: 'vip-escalations', responseTimeMinutes: 15, guidance: 'Answer immediately and escalate every issue, however small.' },
  4: { priority: 'high', escalationTeam: 'account-management', responseTimeMinutes: 60, guidance: 'Priority handling with personal attention from the account manager.' },
  3: { priority: 'elevated', escalationTeam: null, responseTimeMinutes: 240, guidance: 'Answer faster than usual and take extra care.' },
  2: { priority: 'normal', escalationTeam: null, responseTimeMinutes: 480, guidance: 'Acknowledge their VIP status in the reply.' },
  1: { priority: 'normal', escalationTeam: null, responseTimeMinutes: 1440, guidance: 'Be aware they are a VIP; handle as usual.' },
};

export interface OwnerEntry {
  name: string | null;
  email: string | null;
}

export interface LookupConfig {
  handling: Record<1 | 2 | 3 | 4 | 5, HandlingHint>;
  /** Keyed by CRM owner id, or "<connectionId>:<ownerId>" where ids collide across CRMs. */
  owners: Record<string, OwnerEntry>;
  /** How many of the latest contact notes an answer carries (VIPSYNC_LOOKUP_CONTACT_NOTES); 3 when absent. */
  contactNotesLimit?: number;
}

const handlingOverride = z.strictObject({
  priority: z.string().min(1).optional(),
  escalationTeam: z.string().min(1).nullable().optional(),
  responseTimeMinutes: z.number().int().positive().optional(),
  guidance: z.string().optional(),
});
const handlingOverrides = z.partialRecord(z.enum(['1', '2', '3', '4', '5']), handlingOverride);
const ownerDirectory = z.record(
  z.string().min(1),
  z.union([z.string().min(1), z.strictObject({ name: z.string().min(1).optional(), email: z.string().min(3).optional() })]),
);

function parseJsonVariable<T>(name: string, value: string | undefined, schema: z.ZodType<T>, example: string): T | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ConfigError(`${name} is not valid JSON (${(error as Error).message}); expected e.g. ${example}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${name}${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  - ${issues.join('\n  - ')}\n  expected e.g. ${example}`);
  }
  return result.data;
}

/** The lookup's handling table and owner directory: defaults, overridden by VIPSYNC_HANDLING and VIPSYNC_OWNERS. */
export function loadLookupConfig(env: Env = process.env): LookupConfig {
  const overrides = parseJsonVariable('VIPSYNC_HANDLING', env.VIPSYNC_HANDLING, handlingOverrides,
    '{"5": {"escalationTeam": "vip-desk", "responseTimeMinutes": 10}}') ?? {};
  const handling = { ...DEFAULT_HANDLING };
  for (const level of [1, 2, 3, 4, 5] as const) {
    const override = overrides[String(level) as '1'];
    if (override) handling[level] = { ...DEFAULT_HANDLING[level], ...override };
  }
  const directory = parseJsonVariable('VIPSYNC_OWNERS', env.VIPSYNC_OWNERS, ownerDirectory,
    '{"005000000000001AAA": {"name": "Dana Scully", "email": "dana@example.com"}, "hubspot:1234": "Fox Mulder"}') ?? {};
  const owners: Record<string, OwnerEntry> = {};
  for (const [id, entry] of Object.entries(directory)) {
    owners[id] = typeof entry === 'string' ? { name: entry, email: null } : { name: entry.name ?? null, email: entry.email ?? null };
  }
  return { handling, owners, contactNotesLimit: contactNotesLimitFromEnv(env) };
}

/** VIPSYNC_LOOKUP_CONTACT_NOTES: 0 (none) to 50, default 3. */
export function contactNotesLimitFromEnv(env: Env = process.env): number {
  const raw = env.VIPSYNC_LOOKUP_CONTACT_NOTES?.trim();
  if (raw === undefined || raw === '') return DEFAULT_CONTACT_NOTES_IN_ANSWER;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit > MAX_CONTACT_NOTES_IN_ANSWER) {
    throw new ConfigError(`VIPSYNC_LOOKUP_CONTACT_NOTES="${raw}" must be a whole number 0-${MAX_CONTACT_NOTES_IN_ANSWER} (how many contact notes a lookup answer carries; 0 for none)`);
  }
  return limit;
}

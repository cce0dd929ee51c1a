// Turning CRM records into rows: validation (bad records are quarantined with a reason, never
// guessed at) and a content hash, so re-reading an unchanged record never rewrites it. Pure
// functions, no I/O.
import { createHash } from 'node:crypto';
import type { CrmCompanyRecord, CrmContactRecord } from '../crm/types.js';
import { jsonHasNul, textWithoutNul, valueWithoutNul } from '../db/pg-safe.js';
import { normalizeEmail } from '../vip/email.js';
import { parseExplicitVipLevel } from '../vip/level.js';

/** Longest single property value taken in; longer ones are quarantined as absurd. */
export const MAX_FIELD_LENGTH = 10_000;
/** Largest record (all properties as JSON) taken in. */
export const MAX_RECORD_BYTES = 100_000;

export interface CompanyRow {
  crmId: string;
  name: string | null;
  domain: string | null;
  properties: string;
  crmModifiedAt: string | null;
  contentHash: string;
}

export interface ContactRow {
  crmId: string;
  email: string;
  emailNormalized: string;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  phone: string | null;
  companyCrmId: string | null;
  ownerId: string | null;
  crmVipLevel: number | null;
  properties: string;
  crmModifiedAt: string | null;
  contentHash: string;
}

export interface Rejection {
  crmId: string | null;
  reason: string;
  payload: unknown;
}

/** A fingerprint of a row's values (not a security boundary: it only tells "changed" apart). */
function hashOf(row: Record<string, string | number | null>): string {
  // The values joined and hashed in one update: the digest of one update per value (those stored
  // by earlier versions), in 3.4 us a row instead of 5.3.
  let text = '';
  for (const key in row) {
    const value = row[key]!;
    text += value === null ? '\u0000' : `${String(value)}\u0001`;
  }
  return createHash('sha1').update(text).digest('base64url');
}

/** The reason a record is too big to take in, or null. */
export function oversizeReason(properties: Record<string, unknown>, serialized: string): string | null {
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value === 'string' && value.length > MAX_FIELD_LENGTH) {
      return `field ${name} is ${value.length} characters long (limit ${MAX_FIELD_LENGTH})`;
    }
  }
  if (serialized.length > MAX_RECORD_BYTES) return `record is ${serialized.length} bytes of properties (limit ${MAX_RECORD_BYTES})`;
  return null;
}

/** The payload kept with a rejection: enough to see what was wrong without storing megabytes. */
function payloadOf(record: { crmId: string; properties: Record<string, unknown> }, serialized: string): unknown {
  return valueWithoutNul(serialized.length > MAX_RECORD_BYTES ? { crmId: record.crmId, truncated: serialized.slice(0, 2_000) } : record);
}

/** The reason a record holds what Postgres cannot store (a NUL character), or null. */
function nulReason(properties: Record<string, unknown>, serialized: string, fields: Record<string, string | null | undefined>): string | null {
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string' && value.includes('\u0000')) return `${name} contains a NUL character, which cannot be stored`;
  }
  if (!jsonHasNul(serialized)) return null;
  for (const [name, value] of Object.entries(properties)) {
    if (jsonHasNul(JSON.stringify(value) ?? '')) return `property "${name}" contains a NUL character, which cannot be stored`;
  }
  return 'a property contains a NUL character, which cannot be stored';
}

export function companyRow(record: CrmCompanyRecord): CompanyRow | Rejection {
  const properties = JSON.stringify(record.properties);
  if (!record.crmId) return { crmId: null, reason: 'record has no id', payload: record };
  const bad = oversizeReason(record.properties, properties) ?? nulReason(record.properties, properties, { id: record.crmId, name: record.name, domain: record.domain });
  if (bad) return { crmId: textWithoutNul(record.crmId), reason: bad, payload: payloadOf(record, properties) };
  const row = {
    crmId: record.crmId,
    name: record.name,
    domain: record.domain?.toLowerCase() ?? null,
    properties,
    crmModifiedAt: record.modifiedAt?.toISOString() ?? null,
  };
  return { ...row, contentHash: hashOf(row) };
}

/** A contact row, or the reason the record cannot be taken in. */
export function contactRow(record: CrmContactRecord): ContactRow | Rejection {
  const properties = JSON.stringify(record.properties);
  const reject = (reason: string): Rejection => ({ crmId: record.crmId ? textWithoutNul(record.crmId) : null, reason, payload: payloadOf(record, properties) });
  if (!record.crmId) return reject('record has no id');
  const bad = oversizeReason(record.properties, properties) ?? nulReason(record.properties, properties, {
    id: record.crmId, email: record.email, firstName: record.firstName, lastName: record.lastName, title: record.title,
    phone: record.phone, companyId: record.companyCrmId, ownerId: record.ownerId,
  });
  if (bad) return reject(bad);
  const email = normalizeEmail(record.email);
  if (!email.ok) return reject(email.reason);
  const level = parseExplicitVipLevel(record.explicitVipLevel);
  if (level.kind === 'invalid') return reject(level.reason);
  const row = {
    crmId: record.crmId,
    email: record.email!,
    emailNormalized: email.email,
    firstName: record.firstName,
    lastName: record.lastName,
    title: record.title,
    phone: record.phone,
    companyCrmId: record.companyCrmId,
    ownerId: record.ownerId,
    crmVipLevel: level.kind === 'level' ? level.level : null,
    properties,
    crmModifiedAt: record.modifiedAt?.toISOString() ?? null,
  };
  return { ...row, contentHash: hashOf(row) };
}

export function isRejection<T>(value: T | Rejection): value is Rejection {
  return typeof value === 'object' && value !== null && 'reason' in value;
}

/**
 * Within one CRM an email belongs to one contact: later contacts of a page that repeat an email
 * (or that another stored contact already holds) are rejected, naming the contact that keeps it.
 */
export function rejectDuplicateEmails(rows: ContactRow[], heldElsewhere: Map<string, string>): { rows: ContactRow[]; rejected: Rejection[] } {
  const owner = new Map(heldElsewhere);
  const kept: ContactRow[] = [];
  const rejected: Rejection[] = [];
  for (const row of rows) {
    const holder = owner.get(row.emailNormalized);
    if (holder !== undefined && holder !== row.crmId) {
      rejected.push({ crmId: row.crmId, reason: `duplicate email ${row.emailNormalized}: contact ${holder} in this CRM has it too`, payload: row });
      continue;
    }
    owner.set(row.emailNormalized, row.crmId);
    kept.push(row);
  }
  return { rows: kept, rejected };
}

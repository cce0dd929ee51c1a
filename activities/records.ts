// Turning one CRM page into rows: validation (bad records are quarantined with a reason) and a
// content hash, so re-reading an unchanged record never rewrites it. Pure functions, no I/O.
import { createHash } from 'node:crypto';
import type { CrmCompanyRecord, CrmContactRecord } from './crm/types.js';
import { normalizeEmail } from './vip/email.js';
import { parseExplicitVipLevel } from './vip/level.js';

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

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

export function companyRow(record: CrmCompanyRecord): CompanyRow {
  const row = {
    crmId: record.crmId,
    name: record.name,
    domain: record.domain?.toLowerCase() ?? null,
    properties: JSON.stringify(record.properties),
    crmModifiedAt: record.modifiedAt?.toISOString() ?? null,
  };
  return { ...row, contentHash: hashOf(row) };
}

/** A contact row, or the reason the record cannot be taken in. */
export function contactRow(record: CrmContactRecord): ContactRow | Rejection {
  const reject = (reason: string): Rejection => ({ crmId: record.crmId, reason, payload: record });
  if (!record.crmId) return reject('record has no id');
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
    properties: JSON.stringify(record.properties),
    crmModifiedAt: record.modifiedAt?.toISOString() ?? null,
  };
  return { ...row, contentHash: hashOf(row) };
}

export function isRejection(value: ContactRow | Rejection): value is Rejection {
  return 'reason' in value;
}

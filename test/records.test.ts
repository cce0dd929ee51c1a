// Rows from CRM records: the content hash that tells an unchanged record from a changed one.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contactRow, isRejection, type ContactRow } from '../sync/records.js';
import type { CrmContactRecord } from '../crm/types.js';

const record = (overrides: Partial<CrmContactRecord> = {}): CrmContactRecord => ({
  crmId: '101',
  email: 'Ann.Lee@Example.com',
  firstName: 'Ann',
  lastName: 'Lee',
  title: null,
  phone: '+1 415 555 0100',
  companyCrmId: '7',
  ownerId: null,
  explicitVipLevel: '4',
  modifiedAt: new Date('2026-03-01T10:00:00.000Z'),
  properties: { email: 'Ann.Lee@Example.com', firstname: 'Ann', vip_level: '4' },
  ...overrides,
});

const row = (r: CrmContactRecord): ContactRow => {
  const result = contactRow(r);
  if (isRejection(result)) throw new Error(result.reason);
  return result;
};

describe('contactRow content hash', () => {
  it('is the digest earlier versions stored: SHA-1 over each value and a separator (NUL for null), in column order', () => {
    const { contentHash, ...columns } = row(record());
    const hash = createHash('sha1');
    for (const value of Object.values(columns)) hash.update(value === null ? '\u0000' : `${String(value)}\u0001`);
    expect(contentHash).toBe(hash.digest('base64url'));
  });

  it('is the same for the same content and differs when any column changes, null and empty text included', () => {
    const base = row(record()).contentHash;
    expect(row(record()).contentHash).toBe(base);
    expect(row(record({ title: 'CEO' })).contentHash).not.toBe(base);
    expect(row(record({ title: '' })).contentHash).not.toBe(row(record({ title: null })).contentHash);
    expect(row(record({ explicitVipLevel: null })).contentHash).not.toBe(base);
    expect(row(record({ modifiedAt: new Date('2026-03-01T10:00:00.001Z') })).contentHash).not.toBe(base);
    expect(row(record({ properties: { email: 'Ann.Lee@Example.com', firstname: 'Anne', vip_level: '4' } })).contentHash).not.toBe(base);
    // Values do not run into each other: "ab" + "c" is not "a" + "bc".
    expect(row(record({ firstName: 'ab', lastName: 'c' })).contentHash).not.toBe(row(record({ firstName: 'a', lastName: 'bc' })).contentHash);
  });
});

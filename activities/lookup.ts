// The lookup agents depend on: email -> VIP answer. The Temporal activity and the CLI both call
// lookupVipByEmail, so every surface answers the same.
import { ApplicationFailure } from '@temporalio/activity';
import type { VipLookupResult } from '../workflows/contract.js';
import type { Db } from './db.js';
import { normalizeEmail } from './vip/email.js';

export class InvalidEmailError extends Error {
  override name = 'InvalidEmail';
}

export async function lookupVipByEmail(db: Db, rawEmail: string): Promise<VipLookupResult> {
  const check = normalizeEmail(rawEmail);
  if (!check.ok) throw new InvalidEmailError(`cannot look up: ${check.reason}`);
  const vip = await db.vip.findUnique({ where: { email: check.email } });
  if (!vip) {
    return { email: check.email, isVip: false, level: null, name: null, company: null, notes: null, validated: false, stale: false, staleReason: null };
  }
  return {
    email: vip.email,
    isVip: vip.level !== null,
    level: vip.level,
    name: vip.name,
    company: vip.company,
    notes: vip.notes,
    validated: vip.validated,
    stale: vip.stale,
    staleReason: vip.staleReason,
  };
}

export function createLookupActivities(deps: { db: Db }) {
  return {
    async lookupVip(email: string): Promise<VipLookupResult> {
      try {
        return await lookupVipByEmail(deps.db, email);
      } catch (error) {
        if (error instanceof InvalidEmailError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidEmail');
        throw error;
      }
    },
  };
}

export type LookupActivities = ReturnType<typeof createLookupActivities>;

// An example agent workflow, as another team would write it: triage one inbound email by looking up
// its sender with vipsync's lookupVip activity, then decide priority, queue and who answers.
// Orchestration only: the decision itself is the pure function `decideTriage`. It routes by the
// answer's winning handling: the most urgent of the sender's level's and their VIP groups'.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { VipLookupResult } from './contract.js';
import { vipLookup } from './vip-lookup.js';

export interface InboundEmail {
  from: string;
  subject: string;
  /** Where vipsync's lookup runs; default "vipsync-lookup". */
  lookupTaskQueue?: string;
}

export interface TriageDecision {
  from: string;
  subject: string;
  /** The winning handling's priority ("immediate", "high", ...: level or group), "normal" for others, "review" for bad senders. */
  priority: string;
  /** The queue the email goes to. */
  queue: string;
  /** Who should answer personally (the account manager), if anyone. */
  assignTo: string | null;
  respondWithinMinutes: number;
  vipLevel: number | null;
  /** The sender's VIP groups. */
  groups: string[];
  /** Why, in words an agent reads. */
  reasons: string[];
}

export const DEFAULT_QUEUE = 'support';
export const DEFAULT_RESPONSE_MINUTES = 24 * 60;

/** Pure: the routing decision for an email from a sender with this lookup answer. */
export function decideTriage(email: InboundEmail, answer: VipLookupResult): TriageDecision {
  const groups = (answer.groups ?? []).map((g) => g.name);
  const base = { from: answer.email ?? email.from, subject: email.subject, vipLevel: answer.level, groups };
  if (!answer.handling) {
    return {
      ...base, priority: 'normal', queue: DEFAULT_QUEUE, assignTo: null, respondWithinMinutes: DEFAULT_RESPONSE_MINUTES,
      reasons: [answer.name ? `known contact (${answer.name}), not a VIP` : 'not a VIP'],
    };
  }
  // The winning handling: a group's when it is more urgent than the level's (or there is no level).
  const { handling } = answer;
  const who = answer.isVip
    ? `VIP level ${answer.level}${answer.company ? ` at ${answer.company}` : ''}`
    : `not a VIP by level, but in VIP group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}`;
  const reasons = [`${who}: ${handling.guidance}`];
  if (groups.length > 0 && answer.handlingReason) reasons.push(`handling: ${answer.handlingReason}`);
  const owner = answer.owner?.name ?? answer.owner?.email ?? null;
  // Personal attention from level 4: the dedicated account manager answers when we know who it is.
  const assignTo = answer.level !== null && answer.level >= 4 ? owner : null;
  if (assignTo) reasons.push(`account manager ${assignTo} answers personally`);
  if (answer.stale) reasons.push(`may have left ${answer.company ?? 'their company'} (${answer.staleReason ?? 'stale'}): confirm identity before sharing account details`);
  if (answer.isVip && !answer.validated) reasons.push('no connected CRM vouches for this person any more: treat the level with care');
  return {
    ...base, priority: handling.priority, queue: handling.escalationTeam ?? DEFAULT_QUEUE, assignTo,
    respondWithinMinutes: handling.responseTimeMinutes, reasons,
  };
}

export async function triageInboundEmailWorkflow(email: InboundEmail): Promise<TriageDecision> {
  const lookupVip = vipLookup({ taskQueue: email.lookupTaskQueue });
  let answer: VipLookupResult;
  try {
    answer = await lookupVip(email.from);
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === 'InvalidEmail') {
      return {
        from: email.from, subject: email.subject, priority: 'review', queue: 'manual-review', assignTo: null,
        respondWithinMinutes: DEFAULT_RESPONSE_MINUTES, vipLevel: null, groups: [], reasons: [cause.message],
      };
    }
    throw error;
  }
  return decideTriage(email, answer);
}

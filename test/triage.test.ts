// The example triage workflow's decision (pure): it routes by the lookup answer's winning handling,
// a group's when a group wins, and says why.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HANDLING } from '../lookup/config.js';
import { groupHandling } from '../lookup/groups.js';
import type { VipGroupMembership } from '../lookup/answer.js';
import type { VipLookupResult } from '../workflows/contract.js';
import { decideTriage, DEFAULT_QUEUE, DEFAULT_RESPONSE_MINUTES } from '../workflows/triage.js';

const board: VipGroupMembership = {
  name: 'Board', source: 'crm', reason: 'rule "crm-vip-groups": HubSpot vip_groups holds "Board" on contact 201 (connection hubspot)',
  handling: { priority: 'immediate', escalationTeam: 'board-relations', responseTimeMinutes: 15, guidance: 'Answer at once.' },
};
const press: VipGroupMembership = {
  name: 'Press', source: 'manual', reason: 'added by alice via cli',
  handling: { priority: 'high', escalationTeam: 'communications', responseTimeMinutes: 30, guidance: null },
};

/** An answer as the lookup builds it: the handling fields come from the same function. */
function answer(level: 1 | 2 | 3 | 4 | 5 | null, groups: VipGroupMembership[], extra: Partial<VipLookupResult> = {}): VipLookupResult {
  return {
    email: 'ada@acme.com', isVip: level !== null, level, levelReason: null, name: 'Ada Lovelace', company: 'Acme Corp', notes: null,
    validated: true, stale: false, staleReason: null, owner: { id: '1', connectionId: 'hubspot', name: 'Dana Scully', email: null }, contactNotes: [],
    phone: null, ambiguous: false, candidates: [], asOf: null, sources: [],
    ...groupHandling(level === null ? null : { level, handling: DEFAULT_HANDLING[level] }, groups),
    ...extra,
  };
}

const email = { from: 'ada@acme.com', subject: 'Outage' };

describe('triage routes by the winning handling', () => {
  it('a VIP without groups: their level handling, as before groups existed', () => {
    expect(decideTriage(email, answer(4, []))).toMatchObject({
      priority: 'high', queue: 'account-management', respondWithinMinutes: 60, vipLevel: 4, groups: [], assignTo: 'Dana Scully',
    });
  });

  it("a VIP whose group is more urgent: the group's team, priority and response time; the reason says why", () => {
    const decision = decideTriage(email, answer(4, [board]));
    expect(decision).toMatchObject({ priority: 'immediate', queue: 'board-relations', respondWithinMinutes: 15, vipLevel: 4, groups: ['Board'], assignTo: 'Dana Scully' });
    expect(decision.reasons[0]).toBe('VIP level 4 at Acme Corp: Answer at once.');
    expect(decision.reasons[1]).toBe("handling: group 'Board' (immediate, 15 min) is more urgent than level 4 (high, 60 min)");
  });

  it("a VIP whose level is more urgent than their group keeps the level's routing", () => {
    expect(decideTriage(email, answer(5, [press]))).toMatchObject({ priority: 'immediate', queue: 'vip-escalations', respondWithinMinutes: 15, groups: ['Press'] });
  });

  it('a non-VIP in a group: routed by the group alone, nobody assigned by level', () => {
    const decision = decideTriage(email, answer(null, [press]));
    expect(decision).toMatchObject({ priority: 'high', queue: 'communications', respondWithinMinutes: 30, vipLevel: null, groups: ['Press'], assignTo: null });
    expect(decision.reasons[0]).toBe("not a VIP by level, but in VIP group Press: Member of the VIP group 'Press': handle as that group asks.");
    // A manual member no CRM knows is not "a VIP no CRM vouches for".
    expect(decideTriage(email, answer(null, [press], { validated: false })).reasons.join(' ')).not.toContain('vouches');
  });

  it('a non-VIP in no group: the usual queue', () => {
    expect(decideTriage(email, answer(null, []))).toMatchObject({
      priority: 'normal', queue: DEFAULT_QUEUE, respondWithinMinutes: DEFAULT_RESPONSE_MINUTES, groups: [], reasons: ['known contact (Ada Lovelace), not a VIP'],
    });
  });

  it('a group without a team routes to the usual queue at its priority', () => {
    const quiet = { ...press, handling: { ...press.handling, escalationTeam: null } };
    expect(decideTriage(email, answer(null, [quiet]))).toMatchObject({ priority: 'high', queue: DEFAULT_QUEUE, respondWithinMinutes: 30 });
  });

  it('an answer from a lookup worker that predates groups (no groups field) still triages', () => {
    const old = answer(3, []) as Partial<VipLookupResult>;
    delete old.groups;
    expect(decideTriage(email, old as VipLookupResult)).toMatchObject({ priority: 'elevated', groups: [] });
  });
});

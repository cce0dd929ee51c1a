// VIP groups, the pure part: what a group name may be, and which handling wins when a person's
// level and their groups each ask for one. No I/O; tested exhaustively in test/vip-groups.test.ts.
//
// The winning handling is the most urgent one, in this order (documented in the README):
//   1. priority rank: immediate, high, elevated, normal, low; a priority outside that list (the
//      level handling's VIPSYNC_HANDLING accepts any text) ranks below low;
//   2. then the shorter response time;
//   3. then the level's handling over a group's (a tie changes nothing for a VIP's usual handling);
//   4. then, between groups, the name in alphabetical order (case aside), so the answer never
//      depends on the order rows come back in.

/** Priorities vipsync ranks, most urgent first. */
export const PRIORITIES = ['immediate', 'high', 'elevated', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const MAX_GROUP_NAME_LENGTH = 64;
export const MAX_GROUP_GUIDANCE_LENGTH = 500;
export const MAX_RESPONSE_TIME_MINUTES = 10_080;
/** Separates groups in a CSV cell, as CRMs separate multi-select values (HubSpot checkboxes, Salesforce multi-picklists). */
export const GROUP_SEPARATOR = ';';

// A letter or digit first; inside, also spaces and - _ . & ' ( ) +; last, a letter, digit, ")" or
// "+" ("C++"). Never ";" (the separator), "/" (a name is a segment of /v1/groups/{name}) or a
// control character.
const GROUP_NAME = /^[\p{L}\p{N}](?:[\p{L}\p{N} _.&'()+-]*[\p{L}\p{N})+])?$/u;

export type GroupNameCheck = { ok: true; name: string; key: string } | { ok: false; reason: string };

/** A group name as people type it: trimmed, NFC; `key` is how names compare (case aside). */
export function checkGroupName(raw: unknown): GroupNameCheck {
  if (typeof raw !== 'string') return { ok: false, reason: 'a group name must be text' };
  const name = raw.trim().normalize('NFC');
  if (name === '') return { ok: false, reason: 'a group name is empty' };
  const length = [...name].length;
  if (length > MAX_GROUP_NAME_LENGTH) {
    return { ok: false, reason: `group name "${name.slice(0, 20)}..." is ${length} characters; at most ${MAX_GROUP_NAME_LENGTH} are allowed` };
  }
  if (!GROUP_NAME.test(name)) {
    return {
      ok: false,
      reason: `group name ${JSON.stringify(name)} may hold only letters, digits, spaces and - _ . & ' ( ) +, starting with a letter or digit (";" separates groups)`,
    };
  }
  return { ok: true, name, key: groupKey(name) };
}

/** How group names compare: "Board", "board" and "BOARD" are one group. */
export function groupKey(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}

/** "Board; Press;;" -> ["Board", "Press"]: a `;`-separated list, empty parts dropped. */
export function splitGroupList(text: string): string[] {
  return text.split(GROUP_SEPARATOR).map((part) => part.trim()).filter((part) => part !== '');
}

export function isPriority(value: string): value is Priority {
  return (PRIORITIES as readonly string[]).includes(value);
}

/** 0 for immediate ... 4 for low; a priority vipsync does not know ranks after all of them. */
export function priorityRank(priority: string): number {
  const rank = PRIORITIES.indexOf(priority.trim().toLowerCase() as Priority);
  return rank === -1 ? PRIORITIES.length : rank;
}

/** What a candidate asks for (the lookup answer's handling has more fields; only these decide). */
export interface HandlingTerms {
  priority: string;
  responseTimeMinutes: number;
}

export type HandlingCandidate<H extends HandlingTerms = HandlingTerms> =
  | { kind: 'level'; level: number; handling: H }
  | { kind: 'group'; group: string; handling: H };

/** Negative when `a` is more urgent than `b`, positive when less, 0 on equal priority and response time. */
export function compareUrgency(a: HandlingTerms, b: HandlingTerms): number {
  return priorityRank(a.priority) - priorityRank(b.priority) || a.responseTimeMinutes - b.responseTimeMinutes;
}

/** The full order (see the top of this file): urgency, then level before group, then group name. */
function compareCandidates(a: HandlingCandidate, b: HandlingCandidate): number {
  const urgency = compareUrgency(a.handling, b.handling);
  if (urgency !== 0) return urgency;
  if (a.kind !== b.kind) return a.kind === 'level' ? -1 : 1;
  if (a.kind === 'group' && b.kind === 'group') {
    const ka = groupKey(a.group);
    const kb = groupKey(b.group);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }
  return 0;
}

export interface HandlingChoice<H extends HandlingTerms = HandlingTerms> {
  winner: HandlingCandidate<H>;
  /** Why, e.g. "group 'Board' (immediate, 15 min) is more urgent than level 4 (high, 60 min)". */
  reason: string;
}

export function describeCandidate(c: HandlingCandidate): string {
  const terms = `(${c.handling.priority}, ${c.handling.responseTimeMinutes} min)`;
  return c.kind === 'level' ? `level ${c.level} ${terms}` : `group '${c.group}' ${terms}`;
}

function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * The handling that wins among the level's (null for a person without a level) and the groups'
 * (see the order at the top of this file), with the reason; null when there is none at all.
 */
export function chooseHandling<H extends HandlingTerms>(
  level: { level: number; handling: H } | null,
  groups: readonly { group: string; handling: H }[],
): HandlingChoice<H> | null {
  const candidates: HandlingCandidate<H>[] = [
    ...(level ? [{ kind: 'level' as const, level: level.level, handling: level.handling }] : []),
    ...groups.map((g) => ({ kind: 'group' as const, group: g.group, handling: g.handling })),
  ];
  if (candidates.length === 0) return null;
  const [winner, ...others] = [...candidates].sort(compareCandidates) as [HandlingCandidate<H>, ...HandlingCandidate<H>[]];
  const beaten = others.filter((o) => compareUrgency(winner.handling, o.handling) < 0).map(describeCandidate);
  const tied = others.filter((o) => compareUrgency(winner.handling, o.handling) === 0).map(describeCandidate);
  let reason = describeCandidate(winner);
  if (others.length === 0) reason += winner.kind === 'group' ? '; no VIP level' : '; no group';
  if (beaten.length > 0) reason += ` is more urgent than ${listed(beaten)}`;
  if (tied.length > 0) {
    const rule = winner.kind === 'level' ? 'the level wins a tie' : 'the first group by name wins a tie';
    reason += `${beaten.length > 0 ? ',' : ''} ties with ${listed(tied)} (${rule})`;
  }
  const unknown = [...new Set(candidates.map((c) => c.handling.priority).filter((p) => priorityRank(p) === PRIORITIES.length))];
  if (unknown.length > 0) {
    reason += `; priority ${unknown.map((p) => `"${p}"`).join(', ')} is not one of ${PRIORITIES.join(', ')} and ranks below low`;
  }
  return { winner, reason };
}

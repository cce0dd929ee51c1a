// The lookup answer, defined once: the TypeScript type (the lookupVip activity's contract), the
// HTTP API's JSON Schema and the MCP tool's output schema are all derived from this schema.
import { z } from 'zod';

export const vipOwnerSchema = z.object({
  id: z.string().describe("the CRM's owner id (HubSpot hubspot_owner_id, Salesforce OwnerId)"),
  connectionId: z.string().describe('the CRM connection the owning contact record came from'),
  name: z.string().nullable().describe('from the owner directory (VIPSYNC_OWNERS), when it knows this owner'),
  email: z.string().nullable(),
});

export const vipHandlingSchema = z.object({
  priority: z.string().describe('e.g. "immediate", "high", "elevated", "normal"'),
  escalationTeam: z.string().nullable().describe('the team to route to, or null for the usual queue'),
  responseTimeMinutes: z.number().int().describe('target for the first response'),
  guidance: z.string().describe('one sentence for the person or agent answering'),
});

export const vipGroupHandlingSchema = z.object({
  priority: z.string().describe('immediate, high, elevated, normal or low'),
  escalationTeam: z.string().nullable().describe('the team to route to, or null for the usual queue'),
  responseTimeMinutes: z.number().int().describe('target for the first response'),
  guidance: z.string().nullable(),
});

export const vipGroupSchema = z.object({
  name: z.string().describe('the group, as defined with `vipsync groups add`'),
  source: z.enum(['crm', 'manual', 'csv']).describe('crm: a rule of the rules file from CRM facts (follows the CRM); manual or csv: set by an admin'),
  reason: z.string().describe('why the person is in the group: the rule and CRM record, or who added them'),
  handling: vipGroupHandlingSchema,
});

export const contactNoteSchema = z.object({
  id: z.string().describe('the note id (PATCH/DELETE /v1/vips/{email}/notes/{id}, vipsync vip notes edit ID)'),
  author: z.string().describe('who wrote it: token:NAME (HTTP) or the OS user (CLI)'),
  at: z.string().describe('when it was written (ISO 8601)'),
  text: z.string().describe('at most 2,000 characters'),
});


/** A CRM record behind an answer (issue 21, item 4: which records, which connection, how fresh). */
export const lookupSourceSchema = z.object({
  system: z.string().describe('the CRM, e.g. "hubspot" or "salesforce"'),
  connectionId: z.string().describe('the CRM connection the record was synced from'),
  crmId: z.string().describe("the record's id in the CRM"),
  objectType: z.literal('contact'),
  modifiedAt: z.string().nullable().describe('when the CRM last modified the record (ISO 8601)'),
  confirmedAt: z.string().describe('when a sync (or a live validation) last confirmed the record (ISO 8601)'),
});

/** One of the people an ambiguous phone belongs to. */
export const lookupCandidateSchema = z.object({
  email: z.string(),
  name: z.string().nullable(),
  company: z.string().nullable(),
  level: z.number().int().min(1).max(5).nullable(),
});

/**
 * What an agent gets back for an email or a phone. Unknown senders answer isVip false with nulls; a
 * phone that several people share answers `ambiguous: true` with the people as `candidates` and no
 * person's fields (never a guess).
 */
export const vipLookupResultSchema = z.object({
  email: z.string().nullable()
    .describe('the normalised email; null only for a lookup by phone that matches no one or several people'),
  isVip: z.boolean().describe('level is not null'),
  level: z.number().int().min(1).max(5).nullable().describe('1-5, 5 the most important'),
  levelReason: z.string().nullable()
    .describe('why this level, or why none: the CRM field, a rule and its facts, a manual override, a demotion'),
  name: z.string().nullable(),
  company: z.string().nullable(),
  notes: z.string().nullable().describe('business-sensitive; only with the notes:read scope'),
  validated: z.boolean().describe('a connected CRM holds a live contact with this email'),
  stale: z.boolean().describe('the person probably left their company'),
  staleReason: z.string().nullable(),
  owner: vipOwnerSchema.nullable().describe('the CRM owner of their contact record: their dedicated account manager'),
  phone: z.string().nullable().describe('the phone looked up, in E.164; null for a lookup by email'),
  ambiguous: z.boolean()
    .describe('the phone belongs to several people: the person fields are null and isVip false, see candidates; never a guess'),
  candidates: z.array(lookupCandidateSchema).describe('the people an ambiguous phone belongs to (empty otherwise)'),
  asOf: z.string().nullable()
    .describe('when the data was last confirmed (ISO 8601): the newest confirmedAt of its sources, else the last edit; null for unknown senders'),
  sources: z.array(lookupSourceSchema).describe('the live CRM records the answer comes from'),
  handling: vipHandlingSchema.nullable().describe('how to treat this sender: the most urgent of their level\'s handling and their groups\' (see handlingReason); null when they have neither'),
  groups: z.array(vipGroupSchema).describe('the VIP groups the person is in, with each group\'s handling; a group alone gives handling, also to a non-VIP'),
  handlingReason: z.string().nullable()
    .describe('why this handling wins, e.g. "group \'Board\' (immediate, 15 min) is more urgent than level 4 (high, 60 min)"'),
  contactNotes: z.array(contactNoteSchema)
    .describe("agents' notes about the person, the latest first (VIPSYNC_LOOKUP_CONTACT_NOTES of them, default 3); only with the notes:read scope"),
});

export type VipLookupResult = z.infer<typeof vipLookupResultSchema>;
export type VipOwner = z.infer<typeof vipOwnerSchema>;
export type VipHandling = z.infer<typeof vipHandlingSchema>;
export type LookupSource = z.infer<typeof lookupSourceSchema>;
export type LookupCandidate = z.infer<typeof lookupCandidateSchema>;
/** The answer to a lookup by email (the lookupVip activity): always names the person's email. */
export type EmailLookupResult = VipLookupResult & { email: string };
export type VipGroupMembership = z.infer<typeof vipGroupSchema>;
export type ContactNote = z.infer<typeof contactNoteSchema>;

/** The answer as the HTTP API and MCP give it: without `notes` (and `contactNotes`) for a caller without notes:read. */
export const shownLookupResultSchema = vipLookupResultSchema.extend({ notes: vipLookupResultSchema.shape.notes.optional() })
  .extend({ contactNotes: vipLookupResultSchema.shape.contactNotes.optional() });

type JsonSchema = { [key: string]: unknown };

/**
 * zod writes a nullable object or number as `anyOf: [X, {type: "null"}]`; the HTTP server's
 * serializer tries each branch of an anyOf per answer, so they are folded into `type: [X's, "null"]`.
 */
function foldNullable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(foldNullable);
  if (schema === null || typeof schema !== 'object') return schema;
  const node = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, foldNullable(v)])) as JsonSchema;
  const anyOf = node.anyOf as JsonSchema[] | undefined;
  if (anyOf?.length === 2 && anyOf[1]?.type === 'null' && typeof anyOf[0]?.type === 'string') {
    const { anyOf: _anyOf, ...rest } = node;
    return { ...anyOf[0], ...rest, type: [anyOf[0].type, 'null'] };
  }
  return node;
}

/** The HTTP API's JSON Schema (draft-07, as fastify validates and serializes with). */
export function lookupAnswerJsonSchema(): JsonSchema {
  const { $schema: _draft, ...schema } = z.toJSONSchema(shownLookupResultSchema, { target: 'draft-7' }) as JsonSchema;
  return foldNullable(schema) as JsonSchema;
}

// What vipsync knows of one CRM, in one place: how a connection to it is configured, how its client
// is made, and the CRM-specific facts the VIP rules read. Everything outside crm/<system>/ loops
// over the providers in crm/registry.ts; adding a CRM is one folder and one registry line.
import { z } from 'zod';
import type { CrmClient } from './types.js';

const connectionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes (e.g. "hubspot-eu")');

/** How often a connection syncs: 60 s to 7 days. */
export const intervalSeconds = z.number().int().min(60).max(7 * 24 * 3600).default(900);

/**
 * The settings every connection has, whatever its CRM. A provider's connection schema extends
 * these with its own credentials and endpoint and a `system` literal.
 */
export const connectionBase = {
  id: connectionId,
  displayName: z.string().optional(),
  intervalSeconds,
  /**
   * The share of the account's daily API limit (every integration's calls together, as the CRM
   * reports it) past which vipsync makes no more calls, leaving the rest to the account's other users.
   */
  maxApiUsagePercent: z.number().min(1).max(100).default(90),
  /**
   * How many records one full walk may mark vanished (gone without a deletion record) without a
   * person's review: a CRM that answers a short listing (lost permissions, a half-restored org) must
   * not turn live VIPs into "gone". More than either limit holds them all back.
   */
  vanishGuard: z
    .object({
      /** Share of the connection's live records of one object type. */
      maxShare: z.number().min(0).max(1).default(0.05),
      maxRecords: z.number().int().min(0).default(100),
    })
    .default({ maxShare: 0.05, maxRecords: 100 }),
  /**
   * The push path (HubSpot webhooks, Salesforce Change Data Capture): changes applied within
   * seconds beside the scheduled sync, which stays as the reconciliation. Off unless turned on
   * (the dev stack turns it on for its emulators).
   */
  push: z.object({ enabled: z.boolean().default(false) }).default({ enabled: false }),
};

export interface BaseConnectionConfig {
  id: string;
  system: string;
  displayName?: string | undefined;
  intervalSeconds: number;
  maxApiUsagePercent: number;
  vanishGuard: { maxShare: number; maxRecords: number };
  push: { enabled: boolean };
}

/** A connection made from single-connection environment variables, and which variable set each field. */
export interface ShorthandConnection {
  connection: Record<string, unknown>;
  fieldEnv: Record<string, string>;
}

/** The CRM-specific facts the VIP rules and the stale checks read from stored records. */
export interface CrmFacts {
  /** The contact field holding an explicit VIP level (1-5), named in a level's reason. */
  explicitLevelField: string;
  /** The company (account) properties behind the rules' company facts. */
  companyFields: { annualRevenue: string; employees: string; type: string };
  /** The contact properties `bounce` reads (a derivation loads no others but the rules'). */
  bounceProperties: string[];
  /** A hard bounce as this CRM records it on a contact, or null. */
  bounce(properties: Record<string, unknown>): { detail: string; at: string | null } | null;
  /** The contact properties holding phone numbers (e.g. phone and mobile), all of which a lookup by phone finds. */
  phoneProperties?: string[];
}

/** A CRM's local emulator, as the dev stack and the demo run it (emulators/). */
export interface CrmEmulatorProvider {
  /**
   * Starts it on a free port of 127.0.0.1 with this fixture section (the fixture's key is the system).
   * `connectionSettings` are merged into the dev connection (e.g. a second endpoint it serves).
   */
  start(data: unknown): Promise<{ url: string; close(): Promise<void>; connectionSettings?: Record<string, unknown> }>;
  /** A connection to it with the credentials it accepts (they guard nothing real). */
  devConnection(url: string): Record<string, unknown>;
  /** What a fixture section holds, for people: "3 companies, 5 contacts". */
  describe(data: unknown): string;
}

export interface CrmProvider<C extends BaseConnectionConfig = BaseConnectionConfig> {
  /** The `system` of its connections, e.g. "hubspot". */
  readonly system: C['system'];
  /** How people name it, e.g. "HubSpot". */
  readonly label: string;
  /** A connection's configuration, checked when the worker starts. */
  readonly connectionSchema: z.ZodType<C, Record<string, unknown>>;
  /** The single-connection shorthand variables (e.g. HUBSPOT_ACCESS_TOKEN), when set. */
  shorthandFromEnv(env: Record<string, string | undefined>): ShorthandConnection | null;
  /** The variables the shorthand needs, for the "no connection configured" message. */
  readonly shorthandHint: string;
  /** The URL a connection talks to, as recorded in crm_connections. */
  baseUrl(config: C): string;
  /** Its client (the SDK loads only when a client is made). */
  createClient(config: C): Promise<CrmClient>;
  readonly facts: CrmFacts;
  /** Its local emulator, for the dev stack and the demo (a CRM without one is left out of them). */
  readonly emulator?: CrmEmulatorProvider;
}

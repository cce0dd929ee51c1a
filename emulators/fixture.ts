// The emulators' seed data, kept in the CRMs' own JSON shapes so a fixture file reads like a dump of
// real API responses and can be copied from one.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived?: boolean;
  archivedAt?: string;
  associations?: { companies?: { results: { id: string; type?: string }[] } };
}

export interface SObject {
  Id: string;
  [field: string]: unknown;
}

export interface Fixture {
  hubspot: { companies: HubSpotObject[]; contacts: HubSpotObject[] };
  salesforce: { Account: SObject[]; Contact: SObject[] };
}

const hubSpotObjectSchema = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean().optional(),
  archivedAt: z.string().optional(),
  associations: z
    .object({
      companies: z
        .object({ results: z.array(z.object({ id: z.string(), type: z.string().optional() })) })
        .optional(),
    })
    .optional(),
});

const sObjectSchema = z.object({ Id: z.string() }).catchall(z.unknown());

export const hubSpotSectionSchema = z.object({
  companies: z.array(hubSpotObjectSchema).default([]),
  contacts: z.array(hubSpotObjectSchema).default([]),
});

export const salesforceSectionSchema = z.object({
  Account: z.array(sObjectSchema).default([]),
  Contact: z.array(sObjectSchema).default([]),
});

const fixtureSchema = z.object({
  hubspot: hubSpotSectionSchema.default({ companies: [], contacts: [] }),
  salesforce: salesforceSectionSchema.default({ Account: [], Contact: [] }),
});

/** Validates one part of a fixture; the error names the source and the first bad element's path. */
export function parseWithSchema<T>(schema: z.ZodType<T>, json: unknown, source: string, pathPrefix = ''): T {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath([...(pathPrefix ? [pathPrefix] : []), ...issue.path]);
  const reason = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
  throw new Error(`fixture ${source}: ${path || '(root)'}: ${reason}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function parseFixture(json: unknown, source: string): Fixture {
  return parseWithSchema(fixtureSchema, json, source) as Fixture;
}

export async function loadFixtureFile(path: string): Promise<Fixture> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`fixture ${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseFixture(json, path);
}

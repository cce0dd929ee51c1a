import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDb } from '../db/client.js';
import { applyMigrations, migrationStatus } from '../prisma/migrate.js';
import { freshDatabase } from './setup/database.js';

const INIT = '20261122000000_init';
// Every migration in the repository, in order (later issues add their own after INIT).
const ALL = (await readdir(new URL('../prisma/migrations/', import.meta.url), { withFileTypes: true }))
  .filter((e) => e.isDirectory()).map((e) => e.name).sort();

describe('offline migrations', () => {
  it('apply once, record Prisma Migrate bookkeeping with the file checksum, and are idempotent under concurrency', async () => {
    const url = await freshDatabase('migrate');
    expect(await migrationStatus(url)).toEqual({ applied: [], pending: ALL });

    const runs = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
    expect(runs.flat()).toEqual(ALL);
    expect(await applyMigrations(url)).toEqual([]);
    expect(await migrationStatus(url)).toEqual({ applied: ALL, pending: [] });

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    await client.end();
    const sql = await readFile(new URL(`../prisma/migrations/${INIT}/migration.sql`, import.meta.url));
    expect(rows).toHaveLength(ALL.length);
    expect(rows[0]).toMatchObject({
      migration_name: INIT,
      checksum: createHash('sha256').update(sql).digest('hex'),
      applied_steps_count: 1,
      rolled_back_at: null,
      logs: null,
    });
    expect(rows[0].finished_at).toBeInstanceOf(Date);
  });

  it('give a schema the Prisma client of prisma/schema.prisma can use for every model', async () => {
    const url = await freshDatabase('migrate_models');
    await applyMigrations(url);
    const db = createDb(url);
    try {
      await db.crmConnection.create({ data: { id: 'hs', system: 'hubspot', displayName: 'HubSpot', baseUrl: 'http://x' } });
      await db.syncState.create({ data: { connectionId: 'hs', objectType: 'contacts', cursor: 'abc', watermark: new Date() } });
      await db.crmCompany.create({ data: { connectionId: 'hs', crmId: '1', properties: { a: 1 }, contentHash: 'h', lastSeenAt: new Date() } });
      await db.crmContact.create({ data: { connectionId: 'hs', crmId: '2', email: 'A@b.co', emailNormalized: 'a@b.co', crmVipLevel: 3, properties: {}, contentHash: 'h', lastSeenAt: new Date() } });
      const vip = await db.vip.create({ data: { email: 'a@b.co', level: 3, source: 'manual', levelSource: 'manual', validatedBy: ['hs'] } });
      await db.vipLevelChange.create({ data: { vipId: vip.id, oldLevel: null, newLevel: 3, reason: 'added by hand', source: 'manual' } });
      const run = await db.syncRun.create({ data: { connectionId: 'hs', workflowId: 'w', runId: 'r', mode: 'full' } });
      await db.quarantinedRecord.create({ data: { connectionId: 'hs', objectType: 'contacts', crmId: '9', reason: 'bad', payload: {}, syncRunId: run.id } });
      await db.auditLog.create({ data: { actor: 'test', surface: 'cli', action: 'lookup', subject: 'a@b.co', details: { x: 1 } } });
      await db.apiToken.create({ data: { name: 't', tokenHash: 'hash', scopes: ['lookup'] } });
      expect(await db.vip.findUniqueOrThrow({ where: { email: 'a@b.co' }, include: { levelChanges: true } })).toMatchObject({
        level: 3, validated: false, stale: false, validatedBy: ['hs'], levelChanges: [{ newLevel: 3 }],
      });
      // Deleting a connection takes its CRM rows with it, never the people.
      await db.crmConnection.delete({ where: { id: 'hs' } });
      expect(await db.crmContact.count()).toBe(0);
      expect(await db.vip.count()).toBe(1);
    } finally {
      await db.$disconnect();
    }
  });
});

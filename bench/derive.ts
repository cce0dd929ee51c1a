// How long deriving the VIP list takes: N generated demo contacts (both CRMs) written straight into
// crm_contacts/crm_companies of a fresh PostgreSQL, then
//   1. a full derivation (first run: everyone),
//   2. a full re-derivation of unchanged data (nothing to write),
//   3. an incremental derivation after a "sync" that changed 1% of the contacts.
//   npx tsx bench/derive.ts [--contacts 100000]      (prints how far RSS rose during each derivation)
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb } from '../db/client.js';
import { deriveVips } from '../vip/derive.js';
import { normalizeEmail } from '../vip/email.js';
import { parseExplicitVipLevel } from '../vip/level.js';
import { resolveVipSettings } from '../vip/settings.js';
import { startPostgres } from '../cli/stack/postgres.js';
import { generateDemoFixture } from '../emulators/demo-data.js';
import { applyMigrations } from '../prisma/migrate.js';

const { values } = parseArgs({ options: { contacts: { type: 'string', default: '100000' } } });
const contacts = Number(values.contacts);
const log = (m: string) => process.stderr.write(`${m}\n`);

const cluster = await startPostgres({ dataDir: await mkdtemp(join(tmpdir(), 'vipsync-bench-derive-')), log });
try {
  const url = await cluster.createDatabase('bench_derive');
  await applyMigrations(url);
  const db = createDb(url);
  const fixture = generateDemoFixture({ contacts, seed: 42 });
  await db.crmConnection.createMany({
    data: [
      { id: 'hubspot', system: 'hubspot', displayName: 'HubSpot', baseUrl: 'http://x' },
      { id: 'salesforce', system: 'salesforce', displayName: 'Salesforce', baseUrl: 'http://x' },
    ],
  });

  const companies = [
    ...fixture.hubspot.companies.map((c) => ['hubspot', c.id, c.properties.name, c.properties.domain, c.properties] as const),
    ...fixture.salesforce.Account.map((a) => ['salesforce', a.Id, a.Name, String(a.Website).replace(/^https:\/\/www\./, ''), a] as const),
  ];
  const people = [
    ...fixture.hubspot.contacts.map((c) => ({
      connection: 'hubspot', id: c.id, email: c.properties.email, first: c.properties.firstname, last: c.properties.lastname,
      title: c.properties.jobtitle, phone: c.properties.phone, company: c.associations?.companies?.results[0]?.id ?? null,
      level: c.properties.vip_level, properties: c.properties, modified: c.updatedAt,
    })),
    ...fixture.salesforce.Contact.map((c) => ({
      connection: 'salesforce', id: c.Id, email: c.Email as string, first: c.FirstName as string, last: c.LastName as string,
      title: c.Title as string, phone: c.Phone as string, company: c.AccountId as string | null, level: c.VIP_Level__c,
      properties: c, modified: String(c.SystemModstamp).replace('+0000', 'Z'),
    })),
  ].flatMap((p) => {
    const email = normalizeEmail(p.email);
    const level = parseExplicitVipLevel(p.level);
    return email.ok && level.kind !== 'invalid' ? [{ ...p, email: email.email, level: level.kind === 'level' ? level.level : null }] : [];
  });

  const started = Date.now();
  for (let i = 0; i < companies.length; i += 5000) {
    const batch = companies.slice(i, i + 5000);
    await db.$executeRawUnsafe(
      `INSERT INTO crm_companies (connection_id, crm_id, name, domain, properties, content_hash, last_seen_at)
       SELECT c, i, n, d, p::jsonb, 'h', now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(c, i, n, d, p)`,
      batch.map((c) => c[0]), batch.map((c) => c[1]), batch.map((c) => c[2]), batch.map((c) => c[3]), batch.map((c) => JSON.stringify(c[4])),
    );
  }
  for (let i = 0; i < people.length; i += 5000) {
    const b = people.slice(i, i + 5000);
    await db.$executeRawUnsafe(
      `INSERT INTO crm_contacts (connection_id, crm_id, email, email_normalized, first_name, last_name, title, phone, company_crm_id,
         crm_vip_level, properties, crm_modified_at, content_hash, last_seen_at)
       SELECT c, i, e, e, f, l, t, ph, co, lv, p::jsonb, m::timestamptz, 'h', now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[])
         AS x(c, i, e, f, l, t, ph, co, lv, p, m)`,
      b.map((p) => p.connection), b.map((p) => p.id), b.map((p) => p.email), b.map((p) => p.first), b.map((p) => p.last),
      b.map((p) => p.title), b.map((p) => p.phone), b.map((p) => p.company), b.map((p) => p.level),
      b.map((p) => JSON.stringify(p.properties)), b.map((p) => p.modified),
    );
  }
  await db.$executeRawUnsafe('ANALYZE');
  log(`loaded ${people.length} contacts and ${companies.length} companies in ${Date.now() - started} ms`);

  const settings = resolveVipSettings();
  // How far RSS rises above where it was when a derivation starts (the fixture stays in memory).
  const rssRise = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    (globalThis as { gc?: () => void }).gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      return [await fn(), Math.round((Math.max(peak, process.memoryUsage().rss) - base) / 2 ** 20)];
    } finally {
      clearInterval(timer);
    }
  };
  const [full, fullRiseMb] = await rssRise(() => deriveVips(db, settings, { full: true }));
  log(`full derivation: ${full.people} people, ${full.changed} written, ${full.levelChanges} level changes in ${full.durationMs} ms; RSS rose ${fullRiseMb} MB`);
  const [again, againRiseMb] = await rssRise(() => deriveVips(db, settings, { full: true }));
  log(`full re-derivation, nothing changed: ${again.people} people, ${again.changed} written in ${again.durationMs} ms; RSS rose ${againRiseMb} MB`);

  const run = await db.syncRun.create({ data: { connectionId: 'hubspot', workflowId: 'bench', runId: 'bench', mode: 'incremental' } });
  const touched = await db.$executeRawUnsafe(
    `UPDATE crm_contacts SET title = 'Former ' || coalesce(title, 'Employee'), updated_at = now()
     WHERE connection_id = 'hubspot' AND id % 100 = 0`,
  );
  const incremental = await deriveVips(db, settings, { syncRunId: run.id.toString(), connectionId: 'hubspot' });
  log(`incremental derivation after ${touched} changed contacts: ${incremental.people} people, ${incremental.changed} written in ${incremental.durationMs} ms`);
  log(`levels: ${incremental.distribution!.levels.map((l) => `${l.level}: ${l.count}`).join(', ')} of ${incremental.distribution!.people} people; warnings: ${incremental.distribution!.warnings.join('; ') || 'none'}`);
  process.stdout.write(`${JSON.stringify({ contacts: people.length, fullMs: full.durationMs, fullRssRiseMb: fullRiseMb, fullUnchangedMs: again.durationMs, fullUnchangedRssRiseMb: againRiseMb, incrementalMs: incremental.durationMs, incrementalPeople: incremental.people })}\n`);
  await db.$disconnect();
} finally {
  await cluster.stop();
}

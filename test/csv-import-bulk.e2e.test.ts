// The set-based CSV import (one statement per batch) against the per-row import it replaced, kept
// here as the reference: the same file into two databases holding the same people must leave the
// same list, the same level history and the same audit rows, and report the same counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAudit, type Actor } from '../db/audit-log.js';
import { importVips, type ImportReport } from '../admin/csv-import.js';
import { parseVipCsv, readVipCsv, type ParsedCsv } from '../admin/csv-reading.js';
import { applyAdminChange, lockVips } from '../admin/vip-changes.js';
import type { VipFields } from '../admin/vip-fields.js';
import { createDb, plainQuery, type Db } from '../db/client.js';
import { applyMigrations } from '../prisma/migrate.js';
import { freshDatabase } from './setup/database.js';

/** The import as it was before the bulk rewrite (commit 32ca7b4): Prisma, one update per changed row. */
async function importVipsPerRow(db: Db, parsed: ParsedCsv, opts: { actor: Actor; file?: string; dryRun?: boolean }): Promise<ImportReport> {
  const { actor } = opts;
  const report: ImportReport = {
    file: opts.file ?? null, dryRun: opts.dryRun ?? false, total: parsed.total, valid: parsed.rows.length,
    invalid: parsed.errors.length, created: 0, updated: 0, unchanged: 0, errors: parsed.errors, columns: parsed.columns,
  };
  const source = 'csv' as const;
  const how = `imported${opts.file ? ` from ${opts.file}` : ''} by ${actor.name} via ${actor.surface}`;
  const auditRow = (email: string, details: Record<string, unknown>) => ({
    actor: actor.name, surface: actor.surface, action: 'vip.import', subject: email, details: details as object,
    workflowId: actor.workflowId ?? null, runId: actor.runId ?? null,
  });
  const BATCH = 1000;
  const run = async (tx: Parameters<Parameters<Db['$transaction']>[0]>[0] | Db, write: boolean) => {
    for (let start = 0; start < parsed.rows.length; start += BATCH) {
      const batch = parsed.rows.slice(start, start + BATCH);
      if (write) await lockVips(tx as never, batch.map((r) => r.email));
      const existing = new Map((await tx.vip.findMany({ where: { email: { in: batch.map((r) => r.email) } } })).map((v) => [v.email, v]));
      const fresh = batch.filter((r) => !existing.has(r.email));
      report.created += fresh.length;
      if (write && fresh.length > 0) {
        const created = await tx.vip.createManyAndReturn({
          data: fresh.map((r) => ({
            email: r.email, name: r.name ?? null, company: r.company ?? null, phone: r.phone ?? null, notes: r.notes ?? null,
            level: r.level, manualLevel: r.level, levelSource: source, levelReason: `${how} (row ${r.row})`, source,
          })),
          select: { id: true, email: true, level: true, levelReason: true },
        });
        await tx.vipLevelChange.createMany({
          data: created.map((v) => ({ vipId: v.id, oldLevel: null, newLevel: v.level, reason: v.levelReason!, source, actor: actor.name })),
        });
        await tx.auditLog.createMany({ data: created.map((v) => auditRow(v.email, { created: true, level: v.level, file: opts.file ?? null })) });
      }
      for (const r of batch) {
        const vip = existing.get(r.email);
        if (!vip) continue;
        const fields: VipFields = {};
        for (const f of ['name', 'company', 'phone', 'notes'] as const) if (r[f] !== undefined && r[f] !== vip[f]) fields[f] = r[f];
        const levelChanges = r.level !== vip.level;
        if (!levelChanges && Object.keys(fields).length === 0) {
          report.unchanged += 1;
          continue;
        }
        report.updated += 1;
        if (!write) continue;
        await applyAdminChange(tx as never, vip, { level: levelChanges ? r.level : undefined, fields, source, reason: `${how} (row ${r.row})`, actor });
        await tx.auditLog.create({ data: auditRow(r.email, { updated: Object.keys(fields), level: levelChanges ? r.level : undefined, file: opts.file ?? null }) });
      }
    }
  };
  if (report.dryRun) await run(db, false);
  else {
    await db.$transaction(async (tx) => {
      await run(tx, true);
      await writeAudit(tx, {
        actor, action: 'vip.import.file', subject: opts.file ?? null,
        details: { total: report.total, created: report.created, updated: report.updated, unchanged: report.unchanged, invalid: report.invalid },
      });
    }, { timeout: 15 * 60_000, maxWait: 30_000 });
  }
  return report;
}

// ---- the people both databases hold before the import ------------------------------------------------

const PEOPLE = 2400;
const email = (i: number) => `p${i}@org${i % 37}.example`;

/**
 * People from CRMs (every second one with a CRM level, every fifth of those overridden by hand),
 * people known from a CRM without a level, and people admins added by hand or by an earlier import.
 */
async function seed(db: Db): Promise<void> {
  await db.$executeRawUnsafe(`
    INSERT INTO vips (email, name, company, phone, notes, level, level_source, level_reason, crm_level, crm_level_reason, manual_level, source, validated, validated_by)
    SELECT 'p' || i || '@org' || (i % 37) || '.example',
           CASE WHEN i % 11 <> 0 THEN 'Person ' || i END, CASE WHEN i % 13 <> 0 THEN 'Org ' || (i % 37) END,
           CASE WHEN i % 4 = 0 THEN '+1415555' || lpad((i % 10000)::text, 4, '0') END,
           CASE WHEN i % 6 = 0 THEN 'note ' || i END,
           CASE WHEN i % 10 = 0 THEN 1 + (i / 10) % 5 WHEN kind = 'crm-level' THEN 1 + i % 5 WHEN kind = 'admin' THEN 1 + (i + 2) % 5 END,
           CASE WHEN i % 10 = 0 THEN 'manual'::"VipSource" WHEN kind = 'crm-level' THEN 'crm'::"VipSource" WHEN kind = 'admin' THEN 'csv'::"VipSource" END,
           CASE WHEN i % 10 = 0 THEN 'set by alice via cli' WHEN kind = 'crm-level' THEN 'HubSpot vip_level = ' || (1 + i % 5) WHEN kind = 'admin' THEN 'imported by bob via cli (row 2)' END,
           CASE WHEN kind = 'crm-level' THEN 1 + i % 5 END, CASE WHEN kind = 'crm-level' THEN 'HubSpot vip_level = ' || (1 + i % 5) END,
           CASE WHEN i % 10 = 0 THEN 1 + (i / 10) % 5 WHEN kind = 'admin' THEN 1 + (i + 2) % 5 END,
           CASE WHEN kind = 'admin' THEN 'csv'::"VipSource" ELSE 'crm'::"VipSource" END,
           kind <> 'admin', CASE WHEN kind = 'admin' THEN '{}'::text[] ELSE '{hubspot}'::text[] END
    FROM (SELECT i, CASE WHEN i % 3 = 2 THEN 'admin' WHEN i % 2 = 0 THEN 'crm-level' ELSE 'crm-none' END AS kind
          FROM generate_series(0, ${PEOPLE - 1}) AS i) AS people`);
  // Earlier history, so ids and old levels are not all fresh.
  await db.$executeRawUnsafe(`
    INSERT INTO vip_level_changes (vip_id, old_level, new_level, reason, source, actor)
    SELECT id, NULL, level, coalesce(level_reason, '-'), coalesce(level_source, 'crm'), 'seed' FROM vips WHERE level IS NOT NULL`);
}

/** A deterministic mix of every kind of row, in a random-looking order. */
function importFile(): string {
  let state = 42;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  const lines = ['Email,Full Name,Account,Tier,Phone,Notes,Ignored'];
  const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const row = (cells: string[]) => lines.push(cells.map(csvCell).join(','));
  for (let n = 0; n < 3600; n += 1) {
    // Existing people (about two thirds of the rows, some more than once), and new ones.
    const i = random() < 0.66 ? Math.floor(random() * PEOPLE) : PEOPLE + n;
    const known = i < PEOPLE;
    const storedLevel = known ? (i % 10 === 0 ? 1 + Math.floor(i / 10) % 5 : i % 3 === 2 ? 1 + (i + 2) % 5 : i % 2 === 0 ? 1 + i % 5 : null) : null;
    const level = pick([
      storedLevel === null ? String(1 + (i % 5)) : String(storedLevel), // the same level (unchanged unless a cell differs)
      String(1 + ((i + n) % 5)), // perhaps another
      String(1 + ((i + n) % 5)),
      pick(['0', '6', 'x', '']), // rejected
    ].slice(0, random() < 0.04 ? 4 : 3));
    const mail = pick([email(i), email(i), email(i), ` ${email(i).toUpperCase()} `, random() < 0.1 ? 'not-an-email' : email(i)]);
    const name = pick(['', '', `Person ${i}`, `Person ${i}`, `Renamed ${n}`, random() < 0.05 ? `Bad\u0007${n}` : '']);
    const company = pick(['', '', `Org ${i % 37}`, `=Org ${n % 7}`, `'=Quoted ${n % 5}`]);
    const phone = pick(['', '', '', i % 4 === 0 ? `(415) 555-${String(i % 10_000).padStart(4, '0')}` : '', '+44 20 7946 0958', random() < 0.1 ? 'ask reception' : '']);
    const notes = pick(['', '', `note ${i}`, `line one ${n}\nline two`, random() < 0.02 ? 'n'.repeat(2001) : '']);
    // Some rows say again what the list holds: the level it has, the other cells empty or equal.
    if (known && storedLevel !== null && random() < 0.2) row([email(i), pick(['', i % 11 === 0 ? '' : `Person ${i}`]), '', String(storedLevel), '', '', '']);
    else row([mail, name, company, level, phone, notes, `ignored ${n}`]);
  }
  return `${lines.join('\n')}\n`;
}

// ---- comparing two databases ----------------------------------------------------------------------

async function state(db: Db, since: Date) {
  const vips = await plainQuery(db, `
    SELECT email, name, company, phone, title, level, level_reason, level_source::text, crm_level, crm_level_reason, manual_level,
           notes, source::text, validated, validated_by, updated_at > $1 AS touched
    FROM vips ORDER BY email`, [since]);
  const history = await plainQuery(db, `
    SELECT v.email, c.old_level, c.new_level, c.reason, c.source::text, c.actor
    FROM vip_level_changes c JOIN vips v ON v.id = c.vip_id ORDER BY v.email, c.id`);
  const audit = await plainQuery(db, `
    SELECT actor, surface, action, subject, details, workflow_id, run_id FROM audit_log
    ORDER BY action, subject NULLS FIRST, details::text, id`);
  return { vips, history, audit };
}

describe('the set-based CSV import against the per-row import it replaced', { timeout: 300_000 }, () => {
  let reference: Db;
  let bulk: Db;
  let seededAt: Date;
  const csv = importFile();
  const alice: Actor = { name: 'alice', surface: 'cli' };

  beforeAll(async () => {
    const urls = await Promise.all([freshDatabase('csv_bulk_reference'), freshDatabase('csv_bulk')]);
    await Promise.all(urls.map((url) => applyMigrations(url)));
    [reference, bulk] = urls.map((url) => createDb(url, { maxConnections: 3 })) as [Db, Db];
    await Promise.all([seed(reference), seed(bulk)]);
    seededAt = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(async () => {
    await Promise.all([reference?.$disconnect(), bulk?.$disconnect()]);
  });

  it('reads the file as it streams exactly as it reads it at once', async () => {
    const bytes = new TextEncoder().encode(csv);
    const atOnce = parseVipCsv(bytes);
    // A stream of odd-sized pieces: characters and lines cut anywhere.
    async function* pieces() {
      for (let at = 0; at < bytes.length; at += 997) yield bytes.subarray(at, at + 997);
    }
    expect(await readVipCsv(pieces())).toEqual(atOnce);
    expect(await readVipCsv(csv)).toEqual(atOnce);
    expect(atOnce.total).toBe(3600);
    expect(atOnce.errors.length).toBeGreaterThan(100);
    expect(atOnce.errors.some((e) => e.message.startsWith('duplicate of row'))).toBe(true);
  });

  it('reports the same counts for a dry run, and writes nothing', async () => {
    const parsed = parseVipCsv(csv);
    const [before, after] = [await state(bulk, seededAt), null];
    const [old, now] = await Promise.all([
      importVipsPerRow(reference, parsed, { actor: alice, file: 'people.csv', dryRun: true }),
      importVips(bulk, parsed, { actor: alice, file: 'people.csv', dryRun: true }),
    ]);
    expect(now).toEqual(old);
    expect(after ?? (await state(bulk, seededAt))).toEqual(before);
  });

  it('leaves the same list, level history and audit rows, and reports the same counts', async () => {
    const parsed = parseVipCsv(csv);
    const old = await importVipsPerRow(reference, parsed, { actor: alice, file: 'people.csv' });
    const progress: number[] = [];
    const now = await importVips(bulk, parsed, { actor: alice, file: 'people.csv', onProgress: (done) => progress.push(done) });
    expect(now).toEqual(old);
    expect(now.created).toBeGreaterThan(300);
    expect(now.updated).toBeGreaterThan(300);
    expect(now.unchanged).toBeGreaterThan(100);
    expect(progress.at(-1)).toBe(parsed.rows.length);

    const [expected, actual] = await Promise.all([state(reference, seededAt), state(bulk, seededAt)]);
    expect(actual.vips.length).toBe(expected.vips.length);
    for (let k = 0; k < expected.vips.length; k += 1) expect(actual.vips[k], String(expected.vips[k]!.email)).toEqual(expected.vips[k]);
    expect(actual.history).toEqual(expected.history);
    expect(actual.audit.length).toBe(expected.audit.length);
    for (let k = 0; k < expected.audit.length; k += 1) expect(actual.audit[k]).toEqual(expected.audit[k]);
    // A manual override an admin set is replaced only by a row with another level.
    const overridden = actual.vips.filter((v) => v.level_source === 'manual');
    expect(overridden.length).toBeGreaterThan(10);
  });

  it('changes nothing when the same file comes again (and says so alike)', async () => {
    const parsed = parseVipCsv(csv);
    const before = await state(bulk, seededAt);
    const old = await importVipsPerRow(reference, parsed, { actor: alice, file: 'people.csv' });
    const now = await importVips(bulk, parsed, { actor: alice, file: 'people.csv' });
    expect(now).toEqual(old);
    expect(now).toMatchObject({ created: 0, updated: 0, unchanged: parsed.rows.length });
    const after = await state(bulk, seededAt);
    expect(after.vips).toEqual(before.vips);
    expect(after.history).toEqual(before.history);
    const [expected, actual] = await Promise.all([state(reference, seededAt), Promise.resolve(after)]);
    expect(actual.audit).toEqual(expected.audit);
  });
});

// The VIP console in a real browser, its workflows: the CSV import wizard (the seed example's
// header, broken files, a large file with progress, several server processes), the stale review,
// validate now, sync now / pause / full re-sync, the audit log, levels, export.
// test/console-browser.ts has the server, database and browser.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS } from '../admin/csv-export.js';
import { startApiServer } from '../server/main.js';
import { CONSOLE_SETUP_TIMEOUT_MS, SECRET_NOTE, startConsoleBed, type ConsoleBed } from './console-browser.js';

describe('the VIP console in a browser: import, stale review, validation, sync, audit, levels', () => {
  let bed: ConsoleBed;
  beforeAll(async () => {
    bed = await startConsoleBed('console_ops', 100); // at least the rules' minVips (50), for the inflation warning
  }, CONSOLE_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await bed?.close();
  });
  const url = (path: string) => bed.url(path);
  const session = (token: string) => bed.session(token);
  const shot = (...args: Parameters<ConsoleBed['shot']>) => bed.shot(...args);

  it('imports a CSV through the wizard: auto-mapped columns, a dry run with rejected rows by line, confirm, result', async () => {
    const { context, page } = await session(bed.tokens.writer);
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    const csv = [
      'email,name,company,privilege_level,notes',
      'new.one@import.example,New One,Import Co,3,Met at the summit',
      'new.two@import.example,New Two,Import Co,2,',
      'person00001@example.org,,,5,',
      'person00004@example.org,Person 00004,,5,',
      'broken-email,Nobody,,3,',
      'bad.level@import.example,Bad Level,,7,',
    ].join('\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'seed-vips.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    expect(await page.getByLabel('privilege_level').inputValue()).toBe('level');
    expect(await page.getByLabel('email').inputValue()).toBe('email');
    await shot(page, 'import-columns');
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    const count = (name: string) => page.locator(`[data-count="${name}"]`).textContent();
    expect([await count('created'), await count('updated'), await count('unchanged'), await count('invalid')]).toEqual(['2', '1', '1', '2']);
    const rejected = await page.locator('#rejected tbody tr').allTextContents();
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatch(/^6broken-email/);
    expect(rejected[1]).toMatch(/^7bad\.level@import\.example.*level 7 is outside 1-5/);
    await shot(page, 'import-review');
    expect(await bed.h.db.vip.count({ where: { email: { endsWith: '@import.example' } } })).toBe(0);
    await page.getByRole('button', { name: 'Import 4 rows' }).click();
    await page.waitForSelector('.done');
    expect(await page.locator('.done').textContent()).toBe('Imported: 2 added, 1 updated, 1 unchanged, 2 rejected.');
    expect(await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'new.one@import.example' } })).toMatchObject({ level: 3, source: 'csv', notes: 'Met at the summit' });
    expect((await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'person00001@example.org' } })).level).toBe(5);
    await context.close();
  });

  it('imports a large file with progress: the page follows the status answer (counts only) to the result', { timeout: 180_000 }, async () => {
    const { context, page } = await session(bed.tokens.writer);
    const rows = Array.from({ length: 20_000 }, (_, i) => `bulk${String(i).padStart(5, '0')}@large.example,Large ${i},Large Co,${1 + (i % 5)},note ${i}`);
    await page.goto(url('/console/import'));
    await page.getByLabel('CSV file').setInputFiles({ name: 'large.csv', mimeType: 'text/csv', buffer: Buffer.from(`email,name,company,privilege_level,notes\n${rows.join('\n')}\n`) });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    expect(await page.locator('[data-count="created"]').textContent()).toBe('20000');
    const statuses: string[] = [];
    page.on('response', (response) => {
      // A body the page's reload has already dropped is not needed.
      if (response.url().endsWith('/status')) void response.text().then((t) => statuses.push(t), () => {});
    });
    await page.getByRole('button', { name: 'Import 20000 rows' }).click();
    await page.waitForURL(/\/console\/import\/[\w-]+$/);
    await page.waitForSelector('.done', { timeout: 150_000 });
    expect(await page.locator('.done').textContent()).toBe('Imported: 20000 added, 0 updated, 0 unchanged, 0 rejected.');
    expect(await bed.h.db.vip.count({ where: { email: { endsWith: '@large.example' } } })).toBe(20_000);
    const final = await page.request.get(`${page.url()}/status`);
    expect(await final.json()).toMatchObject({ state: 'done', done: 20_000, total: 20_000, file: 'large.csv', error: null });
    statuses.push(await final.text());
    for (const body of statuses) {
      expect(Object.keys(JSON.parse(body)).sort()).toEqual(['done', 'error', 'file', 'id', 'state', 'total']);
    }
    await bed.h.db.vip.deleteMany({ where: { email: { endsWith: '@large.example' } } });
    await context.close();
  });

  it('an import started on one server process goes on on another (serve --processes): the wizard\'s state is in the database', async () => {
    const other = await startApiServer({
      databaseUrl: bed.h.databaseUrl, temporalAddress: bed.h.config.temporalAddress, temporalNamespace: 'default', syncTaskQueue: bed.h.config.syncTaskQueue, port: 0,
    });
    try {
      const { context, page } = await session(bed.tokens.writer);
      await page.goto(url('/console/import'));
      await page.getByLabel('CSV file').setInputFiles({ name: 'two.csv', mimeType: 'text/csv', buffer: Buffer.from('email,level\nother.process@import.example,2\n') });
      await page.getByRole('button', { name: 'Upload and map columns' }).click();
      const action = (await page.locator('form[action$="/review"]').getAttribute('action'))!;
      const csrf = await page.locator('form[action$="/review"] input[name="_csrf"]').inputValue();
      // The same browser (cookies are per host, not per port) on the other process.
      const review = await page.request.post(`${other.url}${action}`, { form: { _csrf: csrf, map_0: 'email', map_1: 'level' } });
      expect(await review.text()).toContain('data-count="created">1<');
      await page.request.post(`${other.url}${action.replace(/review$/, 'confirm')}`, { form: { _csrf: csrf } });
      await expect.poll(async () => (await (await page.request.get(url(action.replace(/review$/, 'status')))).json()).state, { timeout: 20_000 }).toBe('done');
      expect((await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'other.process@import.example' } })).level).toBe(2);
      // Another token cannot see it.
      const stranger = await session(bed.tokens.admin);
      expect((await stranger.page.request.get(url(action.replace(/review$/, 'status')))).status()).toBe(404);
      await stranger.context.close();
      await context.close();
    } finally {
      await other.close();
    }
  });

  it('refuses broken import files with the reason: no email column (until the mapping names one), not UTF-8, empty', async () => {
    const { context, page } = await session(bed.tokens.writer);
    await page.goto(url('/console/import'));
    await page.getByLabel('CSV file').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('address,who,tier\nmapped@import.example,Mapped,2\n') });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    expect(await page.getByLabel('address').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    expect(await page.locator('#map-error').textContent()).toContain('no column maps to email');
    await page.getByLabel('address').selectOption('email');
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    expect(await page.locator('[data-count="created"]').textContent()).toBe('1');

    await page.goto(url('/console/import'));
    await page.getByLabel('CSV file').setInputFiles({ name: 'latin1.csv', mimeType: 'text/csv', buffer: Buffer.from([...Buffer.from('email,level,name\nl@import.example,2,Ren'), 0xe9, 0x0a]) });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    expect(await page.locator('#map-error').textContent()).toMatch(/UTF-8/);

    await page.goto(url('/console/import'));
    await page.getByLabel('CSV file').setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    expect(await page.locator('#file-error').textContent()).toContain('empty.csv is empty');
    await context.close();
  });

  it('confirms a stale VIP from the review queue; validates a person now against the CRMs', { timeout: 120_000 }, async () => {
    const { context, page } = await session(bed.tokens.writer);
    await page.getByRole('link', { name: 'Stale review' }).click();
    const row = page.locator('tbody tr', { hasText: 'erin@globex.com' });
    expect(await row.textContent()).toContain('company changed from Globex to Hooli');
    await shot(page, 'stale');
    await row.getByRole('button', { name: 'Confirm erin@globex.com is still a VIP' }).click();
    await page.waitForURL(/\/console\/stale$/);
    expect(await page.locator('.notice').textContent()).toContain('erin@globex.com confirmed as still a VIP');
    expect((await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'erin@globex.com' } })).staleConfirmedAt).not.toBeNull();
    expect(await bed.h.db.auditLog.count({ where: { action: 'stale.confirm', subject: 'erin@globex.com', surface: 'console' } })).toBe(1);

    await page.goto(url('/console/vips/erin%40globex.com'));
    await page.getByRole('button', { name: 'Validate now' }).click();
    await page.waitForURL(/erin%40globex\.com$/);
    expect(await page.locator('.notice').textContent()).toBe(`Validated by ${bed.h.salesforceId} (${bed.h.hubspotId}: no live contact; ${bed.h.salesforceId}: contact 003000000000002AAA).`);
    await context.close();
  });

  it('shows sync status per connection and starts a sync now; the audit log filters; levels warn about inflation; admin exports CSV', { timeout: 120_000 }, async () => {
    const { context, page } = await session(bed.tokens.admin);
    const runsBefore = await bed.h.db.syncRun.count({ where: { connectionId: bed.h.hubspotId } });
    await page.getByRole('link', { name: 'Sync', exact: true }).click();
    const card = page.locator('section.card', { hasText: bed.h.hubspotId });
    expect(await card.locator('[data-status]').textContent()).toBe('succeeded');
    await shot(page, 'sync');
    await card.getByRole('button', { name: 'Sync now' }).click();
    await page.waitForURL(/\/console\/sync$/);
    expect(await page.locator('.notice').textContent()).toBe(`Sync started for ${bed.h.hubspotId}; reload to see its counts.`);
    await expect.poll(() => bed.h.db.syncRun.count({ where: { connectionId: bed.h.hubspotId, status: 'succeeded' } }), { timeout: 30_000 }).toBeGreaterThan(runsBefore);

    // Full re-sync asks first (a dialog); cancelled, nothing starts.
    const runsNow = await bed.h.db.syncRun.count({ where: { connectionId: bed.h.hubspotId } });
    await page.locator('section.card', { hasText: bed.h.hubspotId }).getByRole('button', { name: 'Full re-sync' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(`Walk every record of ${bed.h.hubspotId} again?`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await bed.h.db.syncRun.count({ where: { connectionId: bed.h.hubspotId } })).toBe(runsNow);
    // Confirmed, the full walk starts (the run is marked full).
    await page.locator('section.card', { hasText: bed.h.hubspotId }).getByRole('button', { name: 'Full re-sync' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Full re-sync' }).click();
    await page.waitForURL(/\/console\/sync$/);
    expect(await page.locator('.notice').textContent()).toBe(`Full re-sync started for ${bed.h.hubspotId}; reload to see its counts.`);
    await expect.poll(() => bed.h.db.syncRun.count({ where: { connectionId: bed.h.hubspotId, status: 'succeeded' } }), { timeout: 30_000 }).toBeGreaterThan(runsNow);
    expect(await bed.h.db.auditLog.count({ where: { action: 'sync.trigger', surface: 'console', details: { path: ['full'], equals: true } } })).toBe(1);

    // Pause and resume the connection's schedule.
    await page.locator('section.card', { hasText: bed.h.hubspotId }).getByRole('button', { name: 'Pause' }).click();
    await page.waitForURL(/\/console\/sync$/);
    expect(await page.locator('.notice').textContent()).toBe(`Scheduled syncs of ${bed.h.hubspotId} paused (a running one finishes).`);
    expect(await page.locator('section.card', { hasText: bed.h.hubspotId }).locator('.badge', { hasText: 'paused' }).count()).toBe(1);
    await page.locator('section.card', { hasText: bed.h.hubspotId }).getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(/\/console\/sync$/);
    expect(await page.locator('section.card', { hasText: bed.h.hubspotId }).locator('.badge', { hasText: 'paused' }).count()).toBe(0);

    await page.goto(url(`/console/audit?action=stale.confirm&surface=console`));
    const actions = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['stale.confirm']));
    await page.goto(url('/console/audit'));
    await shot(page, 'audit');

    await page.goto(url('/console/levels'));
    expect(await page.locator('.warn-box').first().textContent()).toContain('level inflation');
    await shot(page, 'levels');

    const download = page.waitForEvent('download');
    await page.goto(url('/console/vips'));
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(text).toContain(SECRET_NOTE);
    await context.close();
  });
});

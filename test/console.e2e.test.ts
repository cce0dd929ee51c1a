// The VIP console in a real browser: Debian's chromium driven by playwright-core against a real
// `vipsync serve` server (startApiServer), a real PostgreSQL synced from the CRM emulators by a
// real worker, and Temporal behind "validate now" and "sync now". One browser for the file; a
// fresh browser context (cookie jar) per session.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../admin/tokens.js';
import { loadFixtureFile } from '../emulators/fixture.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import { startHarness, type Harness } from './harness.js';
import { chromiumPath } from './setup/chromium.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;
const DOCS = new URL('../docs/', import.meta.url).pathname;
const admin = { name: 'test-admin', surface: 'cli' as const };
const SECRET_NOTE = 'Renewal-in-March-NOTE-7f3a';
/** VIPSYNC_CONSOLE_SCREENSHOTS=1 saves the main pages to docs/console-*.png (the README shows them). */
const SCREENSHOTS = process.env.VIPSYNC_CONSOLE_SCREENSHOTS === '1';

describe('the VIP console in a browser', () => {
  let h: Harness;
  let api: ApiServer;
  let browser: Browser;
  const tokens = { lookup: '', notes: '', writer: '', admin: '' };

  beforeAll(async () => {
    const executablePath = chromiumPath();
    h = await startHarness('console_e2e', await loadFixtureFile(FIXTURE));
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    await h.db.vip.update({ where: { email: 'ada@acme.com' }, data: { notes: SECRET_NOTE } });
    // A stale VIP with its evidence, as the derivation leaves one.
    await h.db.vip.update({
      where: { email: 'erin@globex.com' },
      data: {
        stale: true, staleSince: new Date(Date.now() - 5 * 86_400_000), staleReason: 'company changed from Globex to Hooli',
        staleEvidence: [{ kind: 'company-changed', strength: 'strong', connectionId: h.salesforceId, crmId: '003000000000002AAA', detail: 'account changed from Globex to Hooli', at: null }],
      },
    });
    // 10,000 people on the list, paged server-side.
    await h.db.$executeRawUnsafe(`
      INSERT INTO vips (email, name, company, level, manual_level, level_source, level_reason, source, created_at)
      SELECT 'person' || lpad(i::text, 5, '0') || '@example.org', 'Person ' || lpad(i::text, 5, '0'), 'Company ' || (i % 97),
             1 + (i % 5), 1 + (i % 5), 'csv', 'imported by seed', 'csv', now() - (i || ' minutes')::interval
      FROM generate_series(1, 10000) AS i`);
    api = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default', syncTaskQueue: h.config.syncTaskQueue, port: 0,
    });
    tokens.lookup = (await createToken(h.db, { name: 'desk-lookup', scopes: ['lookup'] }, admin)).token;
    tokens.notes = (await createToken(h.db, { name: 'desk-notes', scopes: ['lookup', 'notes:read'] }, admin)).token;
    tokens.writer = (await createToken(h.db, { name: 'vip-keeper', scopes: ['lookup', 'notes:read', 'vips:write'] }, admin)).token;
    tokens.admin = (await createToken(h.db, { name: 'ops', scopes: ['admin'] }, admin)).token;
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    if (SCREENSHOTS) mkdirSync(DOCS, { recursive: true });
  }, 900_000); // a fresh machine may first install chromium (apt-get update and install: minutes)
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await h?.close();
  });

  const url = (path: string) => `${api.url}${path}`;

  async function session(token: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto(url('/console/vips'));
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/vips/);
    return { context, page };
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (SCREENSHOTS) await page.screenshot({ path: `${DOCS}console-${name}.png` });
  }

  it('signs in with a token (HttpOnly, SameSite=Strict cookie), refuses a wrong one, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url('/console/vips?level=5'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await shot(page, 'sign-in');
    await page.getByLabel('API token').fill('vipsync_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#token-error').textContent()).resolves.toContain('unknown or revoked');
    expect(await page.getByLabel('API token').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('API token').fill(tokens.lookup);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/vips\?level=5$/);
    expect(await page.locator('h1').textContent()).toContain('VIPs');
    const cookie = (await context.cookies()).find((c) => c.name === 'vipsync_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(await h.db.auditLog.count({ where: { action: 'console.sign-in', actor: 'token:desk-lookup', surface: 'console' } })).toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    await page.goto(url('/console/vips'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(await h.db.consoleSession.count({ where: { token: { name: 'desk-lookup' } } })).toBe(0);
    await context.close();

    // Revoking the token ends its sessions at once.
    const short = (await createToken(h.db, { name: 'short-lived', scopes: ['lookup'] }, admin)).token;
    const { context: other, page: signedIn } = await session(short);
    await revokeToken(h.db, 'short-lived', admin);
    await signedIn.goto(url('/console/stale'));
    expect(new URL(signedIn.url()).pathname).toBe('/console/sign-in');
    await other.close();
  });

  it('a lookup-scope session never receives notes (not in the HTML, not in any answer) and sees no write controls', async () => {
    const { context, page } = await session(tokens.lookup);
    const bodies: Promise<string>[] = [];
    page.on('response', (response) => bodies.push(response.text().catch(() => '')));
    await page.goto(url('/console/vips?q=ada'));
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.waitForURL(/\/console\/vips\/ada%40acme\.com$/);
    expect(await page.locator('h2', { hasText: 'Notes' }).count()).toBe(0);
    for (const path of ['/console/vips/ada%40acme.com/edit', '/console/stale', '/console/levels', '/console/vips.csv', '/console/import']) await page.goto(url(path)).catch(() => {});
    const html = await Promise.all(bodies);
    expect(html.length).toBeGreaterThan(5);
    for (const body of html) expect(body).not.toContain(SECRET_NOTE);
    await page.goto(url('/console/vips'));
    expect(await page.getByRole('link', { name: 'Add a VIP' }).count()).toBe(0);
    expect(await page.locator('input[name="emails"]').count()).toBe(0);
    await page.goto(url('/console/vips/ada%40acme.com/edit'));
    expect(await page.locator('h1').textContent()).toBe('Your token cannot do this');

    // The same person with notes:read: the note is there (the check above can fail).
    const notes = await session(tokens.notes);
    await notes.page.goto(url('/console/vips/ada%40acme.com'));
    expect(await notes.page.locator('.notes').textContent()).toBe(SECRET_NOTE);
    await notes.context.close();
    await context.close();
  });

  it('refuses a form POST without the session\'s CSRF secret, and changes nothing', async () => {
    const { context, page } = await session(tokens.writer);
    const answer = await page.request.post(url('/console/vips'), { form: { email: 'csrf@example.com', level: '3' }, maxRedirects: 0 });
    expect(answer.status()).toBe(403);
    expect(await answer.text()).toContain('CSRF');
    expect(await h.db.vip.count({ where: { email: 'csrf@example.com' } })).toBe(0);
    await context.close();
  });

  it('lists 10,000 VIPs paged server-side: the first page in under a second, search, level filter, sort', async () => {
    const { context, page } = await session(tokens.writer);
    const started = performance.now();
    await page.goto(url('/console/vips'));
    const ms = performance.now() - started;
    console.error(`[console] first page of ${await page.locator('h1 .count').textContent()} VIPs: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
    expect(await page.locator('tbody tr').count()).toBe(50);
    expect(await page.locator('.pager').textContent()).toContain('Page 1 of 201');
    await shot(page, 'vips');
    await page.getByRole('link', { name: 'Next ›' }).click();
    await page.waitForURL(/page=2/);
    expect(await page.locator('tbody tr').first().textContent()).toContain('Person 00049');
    await page.getByLabel('Search name, email or company').fill('globex');
    await page.getByLabel('Level', { exact: true }).selectOption('2');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/q=globex/);
    expect(await page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(['erin@globex.com']);
    await page.goto(url('/console/vips?sort=level'));
    expect(await page.locator('tbody tr').first().locator('.level').textContent()).toBe('5');
    await context.close();
  });

  it('adds a VIP (errors next to the field, live notes counter), edits them, returns a CRM person to the CRM level, deletes', async () => {
    const { context, page } = await session(tokens.writer);
    await page.getByRole('link', { name: 'Add a VIP' }).click();
    await page.getByLabel('Email (required)').fill('not an email');
    await page.getByLabel('Notes').fill('x'.repeat(2001));
    expect(await page.locator('#notes-count').textContent()).toBe('2001 / 2000 characters: 1 too many');
    await shot(page, 'add');
    await page.getByRole('button', { name: 'Add VIP' }).click();
    expect(await page.getByLabel('Email (required)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#email-error').textContent()).toBeTruthy();
    expect(await page.locator('#level-error').textContent()).toContain('choose a level');
    expect(await page.locator('#notes-error').textContent()).toContain('at most 2000');

    await page.getByLabel('Email (required)').fill('Grace@Hopper.example');
    await page.getByLabel('Level (required)').selectOption('4');
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByLabel('Company').fill('<script>alert(1)</script> Navy');
    await page.getByLabel('Notes').fill('Prefers 😀 email');
    expect(await page.locator('#notes-count').textContent()).toBe('15 / 2000 characters');
    await page.getByRole('button', { name: 'Add VIP' }).click();
    await page.waitForURL(/\/console\/vips\/grace%40hopper\.example$/);
    expect(await page.locator('.notice').textContent()).toBe('Added grace@hopper.example at level 4.');
    expect(await page.locator('dd', { hasText: 'Navy' }).textContent()).toBe('<script>alert(1)</script> Navy');
    const grace = await h.db.vip.findUniqueOrThrow({ where: { email: 'grace@hopper.example' } });
    expect(grace).toMatchObject({ level: 4, manualLevel: 4, levelSource: 'manual', notes: 'Prefers 😀 email', levelReason: 'set by token:vip-keeper via console' });

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Level (required)').selectOption('2');
    await page.getByLabel('Phone').fill('+1 415 555 0100');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/grace%40hopper\.example$/);
    expect(await h.db.vip.findUniqueOrThrow({ where: { email: 'grace@hopper.example' } })).toMatchObject({ level: 2, phone: '+14155550100', notes: 'Prefers 😀 email' });
    expect(await h.db.auditLog.count({ where: { action: 'vip.edit', subject: 'grace@hopper.example', surface: 'console' } })).toBe(1);

    // A CRM person: editing the name leaves the CRM's level alone; a level becomes a manual one
    // shown beside the CRM's, and "return to CRM level" goes back.
    await page.goto(url('/console/vips/ada%40acme.com/edit'));
    await page.getByLabel('Name').fill('Ada King');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } })).toMatchObject({ name: 'Ada King', level: 5, manualLevel: null });
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Level (required)').selectOption('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    await page.getByRole('link', { name: 'Edit' }).click();
    expect(await page.locator('#crm-level').textContent()).toContain('level 5');
    await shot(page, 'edit');
    await page.getByRole('button', { name: 'Return to CRM level (5)' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } })).toMatchObject({ level: 5, manualLevel: null, levelSource: 'crm' });
    await shot(page, 'person');

    // Delete one: the page asks first, naming how many.
    await page.goto(url('/console/vips/grace%40hopper.example'));
    await page.getByRole('button', { name: 'Delete…' }).click();
    expect(await page.locator('h1').textContent()).toBe('Delete 1 VIP?');
    await page.getByRole('button', { name: 'Delete 1 VIP' }).click();
    await page.waitForURL(/\/console\/vips$/);
    expect(await page.locator('.notice').textContent()).toBe('Deleted 1 person.');
    expect(await h.db.vip.count({ where: { email: 'grace@hopper.example' } })).toBe(0);
    await context.close();
  });

  it('bulk-deletes the selected people after a confirmation naming how many; people from a CRM cannot be selected and the page says why', async () => {
    await h.db.vip.createMany({ data: ['bulk1', 'bulk2', 'bulk3'].map((n) => ({ email: `${n}@bulk.example`, name: `Bulk ${n}`, level: 1, manualLevel: 1, levelSource: 'manual' as const, source: 'manual' as const })) });
    const { context, page } = await session(tokens.writer);
    await page.goto(url('/console/vips?q=bulk.example'));
    await page.getByLabel('Select every deletable VIP on this page').check();
    expect(await page.locator('[data-bulk-delete]').textContent()).toBe('Delete 3 selected…');
    await page.locator('[data-bulk-delete]').click();
    expect(await page.locator('h1').textContent()).toBe('Delete 3 VIPs?');
    await shot(page, 'bulk-delete');
    await page.getByRole('button', { name: 'Delete 3 VIPs' }).click();
    await page.waitForURL(/q=bulk\.example/);
    expect(await page.locator('.notice').textContent()).toBe('Deleted 3 people.');
    expect(await h.db.vip.count({ where: { email: { endsWith: '@bulk.example' } } })).toBe(0);

    await page.goto(url('/console/vips?q=acme.com'));
    const adaBox = page.locator('tbody tr', { hasText: 'ada@acme.com' }).locator('input[type=checkbox]');
    expect(await adaBox.isDisabled()).toBe(true);
    expect(await adaBox.getAttribute('aria-label')).toContain('cannot be deleted here: it comes from CRM');
    expect(await page.locator('.bulk .hint').textContent()).toContain('People from a CRM cannot be deleted here');
    // A request that names one anyway (no JavaScript, a crafted form) is told why on the confirmation page.
    const csrf = await page.locator('#bulk input[name="_csrf"]').inputValue();
    const answer = await page.request.post(url('/console/vips/delete'), { form: { _csrf: csrf, emails: 'ada@acme.com' } });
    expect(await answer.text()).toContain('1 cannot be deleted here');
    await context.close();
  });

  it('imports a CSV through the wizard: auto-mapped columns, a dry run with rejected rows by line, confirm, result', async () => {
    const { context, page } = await session(tokens.writer);
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
    expect(await h.db.vip.count({ where: { email: { endsWith: '@import.example' } } })).toBe(0);
    await page.getByRole('button', { name: 'Import 4 rows' }).click();
    await page.waitForSelector('.done');
    expect(await page.locator('.done').textContent()).toBe('Imported: 2 added, 1 updated, 1 unchanged, 2 rejected.');
    expect(await h.db.vip.findUniqueOrThrow({ where: { email: 'new.one@import.example' } })).toMatchObject({ level: 3, source: 'csv', notes: 'Met at the summit' });
    expect((await h.db.vip.findUniqueOrThrow({ where: { email: 'person00001@example.org' } })).level).toBe(5);
    await context.close();
  });

  it('imports a large file with progress: the page follows the status answer (counts only) to the result', async () => {
    const { context, page } = await session(tokens.writer);
    const rows = Array.from({ length: 30_000 }, (_, i) => `bulk${String(i).padStart(5, '0')}@large.example,Large ${i},Large Co,${1 + (i % 5)},note ${i}`);
    await page.goto(url('/console/import'));
    await page.getByLabel('CSV file').setInputFiles({ name: 'large.csv', mimeType: 'text/csv', buffer: Buffer.from(`email,name,company,privilege_level,notes\n${rows.join('\n')}\n`) });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    expect(await page.locator('[data-count="created"]').textContent()).toBe('30000');
    const statuses: string[] = [];
    page.on('response', (response) => {
      // A body the page's reload has already dropped is not needed.
      if (response.url().endsWith('/status')) void response.text().then((t) => statuses.push(t), () => {});
    });
    await page.getByRole('button', { name: 'Import 30000 rows' }).click();
    await page.waitForURL(/\/console\/import\/[\w-]+$/);
    await page.waitForSelector('.done', { timeout: 60_000 });
    expect(await page.locator('.done').textContent()).toBe('Imported: 30000 added, 0 updated, 0 unchanged, 0 rejected.');
    expect(await h.db.vip.count({ where: { email: { endsWith: '@large.example' } } })).toBe(30_000);
    const final = await page.request.get(`${page.url()}/status`);
    expect(await final.json()).toMatchObject({ state: 'done', done: 30_000, total: 30_000, file: 'large.csv', error: null });
    statuses.push(await final.text());
    for (const body of statuses) {
      expect(Object.keys(JSON.parse(body)).sort()).toEqual(['done', 'error', 'file', 'id', 'state', 'total']);
    }
    await h.db.vip.deleteMany({ where: { email: { endsWith: '@large.example' } } });
    await context.close();
  });

  it('an import started on one server process goes on on another (serve --processes): the wizard\'s state is in the database', async () => {
    const other = await startApiServer({
      databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default', syncTaskQueue: h.config.syncTaskQueue, port: 0,
    });
    try {
      const { context, page } = await session(tokens.writer);
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
      expect((await h.db.vip.findUniqueOrThrow({ where: { email: 'other.process@import.example' } })).level).toBe(2);
      // Another token cannot see it.
      const stranger = await session(tokens.admin);
      expect((await stranger.page.request.get(url(action.replace(/review$/, 'status')))).status()).toBe(404);
      await stranger.context.close();
      await context.close();
    } finally {
      await other.close();
    }
  });

  it('is usable from the keyboard: the skip link comes first and moves focus to the content; fields have labels', async () => {
    const { context, page } = await session(tokens.writer);
    await page.goto(url('/console/vips/new'));
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML));
    expect(unlabelled).toEqual([]);
    await context.close();
  });

  it('refuses broken import files with the reason: no email column (until the mapping names one), not UTF-8, empty', async () => {
    const { context, page } = await session(tokens.writer);
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

  it('confirms a stale VIP from the review queue; validates a person now against the CRMs', async () => {
    const { context, page } = await session(tokens.writer);
    await page.getByRole('link', { name: 'Stale review' }).click();
    const row = page.locator('tbody tr', { hasText: 'erin@globex.com' });
    expect(await row.textContent()).toContain('company changed from Globex to Hooli');
    await shot(page, 'stale');
    await row.getByRole('button', { name: 'Confirm erin@globex.com is still a VIP' }).click();
    await page.waitForURL(/\/console\/stale$/);
    expect(await page.locator('.notice').textContent()).toContain('erin@globex.com confirmed as still a VIP');
    expect((await h.db.vip.findUniqueOrThrow({ where: { email: 'erin@globex.com' } })).staleConfirmedAt).not.toBeNull();
    expect(await h.db.auditLog.count({ where: { action: 'stale.confirm', subject: 'erin@globex.com', surface: 'console' } })).toBe(1);

    await page.goto(url('/console/vips/erin%40globex.com'));
    await page.getByRole('button', { name: 'Validate now' }).click();
    await page.waitForURL(/erin%40globex\.com$/);
    expect(await page.locator('.notice').textContent()).toBe(`Validated by ${h.salesforceId} (${h.hubspotId}: no live contact; ${h.salesforceId}: contact 003000000000002AAA).`);
    await context.close();
  });

  it('shows sync status per connection and starts a sync now; the audit log filters; levels warn about inflation; admin exports CSV', async () => {
    const { context, page } = await session(tokens.admin);
    const runsBefore = await h.db.syncRun.count({ where: { connectionId: h.hubspotId } });
    await page.getByRole('link', { name: 'Sync', exact: true }).click();
    const card = page.locator('section.card', { hasText: h.hubspotId });
    expect(await card.locator('[data-status]').textContent()).toBe('succeeded');
    await shot(page, 'sync');
    await card.getByRole('button', { name: 'Sync now' }).click();
    await page.waitForURL(/\/console\/sync$/);
    expect(await page.locator('.notice').textContent()).toBe(`Sync started for ${h.hubspotId}; reload to see its counts.`);
    await expect.poll(() => h.db.syncRun.count({ where: { connectionId: h.hubspotId, status: 'succeeded' } }), { timeout: 30_000 }).toBeGreaterThan(runsBefore);

    // Full re-sync asks first (a dialog); cancelled, nothing starts.
    const runsNow = await h.db.syncRun.count({ where: { connectionId: h.hubspotId } });
    await page.locator('section.card', { hasText: h.hubspotId }).getByRole('button', { name: 'Full re-sync' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(`Walk every record of ${h.hubspotId} again?`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await h.db.syncRun.count({ where: { connectionId: h.hubspotId } })).toBe(runsNow);

    // Pause and resume the connection's schedule.
    await page.locator('section.card', { hasText: h.hubspotId }).getByRole('button', { name: 'Pause' }).click();
    await page.waitForURL(/\/console\/sync$/);
    expect(await page.locator('.notice').textContent()).toBe(`Scheduled syncs of ${h.hubspotId} paused (a running one finishes).`);
    expect(await page.locator('section.card', { hasText: h.hubspotId }).locator('.badge', { hasText: 'paused' }).count()).toBe(1);
    await page.locator('section.card', { hasText: h.hubspotId }).getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(/\/console\/sync$/);
    expect(await page.locator('section.card', { hasText: h.hubspotId }).locator('.badge', { hasText: 'paused' }).count()).toBe(0);

    await page.goto(url(`/console/audit?action=vip.add&surface=console`));
    const actions = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['vip.add']));
    await page.goto(url('/console/audit'));
    await shot(page, 'audit');

    await page.goto(url('/console/levels'));
    expect(await page.locator('.warn-box').first().textContent()).toContain('level inflation');
    await shot(page, 'levels');

    const download = page.waitForEvent('download');
    await page.goto(url('/console/vips'));
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe('email,name,company,level,phone,notes');
    expect(text).toContain(SECRET_NOTE);
    await context.close();
  });
});

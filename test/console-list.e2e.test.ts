// The VIP console in a real browser, signing in and keeping the list: sessions and scopes (a
// lookup-scope session never receives notes nor contact notes), CSRF, the list of 10,000 VIPs, add, edit, delete,
// bulk delete, keyboard use. test/console-browser.ts has the server, database and browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addContactNote, deleteContactNote } from '../admin/contact-notes.js';
import { createToken, revokeToken } from '../admin/tokens.js';
import { CONSOLE_SETUP_TIMEOUT_MS, SECRET_CONTACT_NOTE, SECRET_NOTE, startConsoleBed, TEST_ADMIN as admin, type ConsoleBed } from './console-browser.js';

describe('the VIP console in a browser: sessions and the VIP list', () => {
  let bed: ConsoleBed;
  beforeAll(async () => {
    bed = await startConsoleBed('console_list', 10_000);
  }, CONSOLE_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await bed?.close();
  });
  const url = (path: string) => bed.url(path);
  const session = (token: string) => bed.session(token);
  const shot = (...args: Parameters<ConsoleBed['shot']>) => bed.shot(...args);

  it('signs in with a token (HttpOnly, SameSite=Strict cookie), refuses a wrong one, and signs out', async () => {
    const context = await bed.browser.newContext();
    const page = await context.newPage();
    await page.goto(url('/console/vips?level=5'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await shot(page, 'sign-in');
    await page.getByLabel('API token').fill('vipsync_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('#token-error').textContent()).resolves.toContain('unknown or revoked');
    expect(await page.getByLabel('API token').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('API token').fill(bed.tokens.lookup);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/vips\?level=5$/);
    expect(await page.locator('h1').textContent()).toContain('VIPs');
    const cookie = (await context.cookies()).find((c) => c.name === 'vipsync_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(await bed.h.db.auditLog.count({ where: { action: 'console.sign-in', actor: 'token:desk-lookup', surface: 'console' } })).toBe(1);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in$/);
    await page.goto(url('/console/vips'));
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(await bed.h.db.consoleSession.count({ where: { token: { name: 'desk-lookup' } } })).toBe(0);
    await context.close();

    // Revoking the token ends its sessions at once.
    const short = (await createToken(bed.h.db, { name: 'short-lived', scopes: ['lookup'] }, admin)).token;
    const { context: other, page: signedIn } = await session(short);
    await revokeToken(bed.h.db, 'short-lived', admin);
    await signedIn.goto(url('/console/stale'));
    expect(new URL(signedIn.url()).pathname).toBe('/console/sign-in');
    await other.close();
  });

  it('a lookup-scope session never receives notes (not in the HTML, not in any answer) and sees no write controls', async () => {
    const { context, page } = await session(bed.tokens.lookup);
    // An audit entry that quotes a note (a contact note edited: its old text) is on her trail too.
    await bed.h.db.auditLog.create({ data: { actor: 'token:ops', surface: 'http', action: 'vip.note.edit', subject: 'ada@acme.com', details: { oldText: SECRET_NOTE } } });
    // And a contact note about her: on her page and in the lookup answer, but only with notes:read.
    const contactNote = await addContactNote(bed.h.db, 'ada@acme.com', SECRET_CONTACT_NOTE, admin);
    const bodies: Promise<string>[] = [];
    page.on('response', (response) => bodies.push(response.text().catch(() => '')));
    await page.goto(url('/console/vips?q=ada'));
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.waitForURL(/\/console\/vips\/ada%40acme\.com$/);
    expect(await page.locator('h2', { hasText: 'Notes' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Validate now' }).count()).toBe(0);
    expect(await page.locator('h2', { hasText: 'Contact notes' }).count()).toBe(0);
    const paths = [
      '/console/vips/ada%40acme.com/edit', '/console/stale', '/console/levels', '/console/vips.csv', '/console/import',
      '/console/lookup?q=ada%40acme.com', `/console/vips/ada%40acme.com/notes/${contactNote.id}/edit`,
    ];
    for (const path of paths) await page.goto(url(path)).catch(() => {});
    // The lookup box in the header, as a person uses it.
    await page.getByLabel('Lookup', { exact: true }).fill('ada@acme.com');
    await page.getByLabel('Lookup', { exact: true }).press('Enter');
    await page.waitForURL(/\/console\/lookup\?q=/);
    expect(await page.locator('#answer').textContent()).toContain('yes, level 5');
    const html = await Promise.all(bodies);
    expect(html.length).toBeGreaterThan(5);
    for (const body of html) {
      expect(body).not.toContain(SECRET_NOTE);
      expect(body).not.toContain(SECRET_CONTACT_NOTE);
    }
    await page.goto(url('/console/vips'));
    expect(await page.getByRole('link', { name: 'Add a VIP' }).count()).toBe(0);
    expect(await page.locator('input[name="emails"]').count()).toBe(0);
    await page.goto(url('/console/vips/ada%40acme.com/edit'));
    expect(await page.locator('h1').textContent()).toBe('Your token cannot do this');

    // The same person with notes:read: the note is there (the check above can fail).
    const notes = await session(bed.tokens.notes);
    await notes.page.goto(url('/console/vips/ada%40acme.com'));
    expect(await notes.page.locator('.notes').first().textContent()).toBe(SECRET_NOTE);
    expect(await notes.page.locator('.contact-notes').textContent()).toContain(SECRET_CONTACT_NOTE);
    await notes.page.goto(url('/console/lookup?q=ada%40acme.com'));
    expect(await notes.page.locator('#answer').textContent()).toContain(SECRET_CONTACT_NOTE);
    await notes.context.close();
    await deleteContactNote(bed.h.db, { id: contactNote.id }, admin);
    await context.close();
  });

  it('refuses a form POST without the session\'s CSRF secret, and changes nothing', async () => {
    const { context, page } = await session(bed.tokens.writer);
    const answer = await page.request.post(url('/console/vips'), { form: { email: 'csrf@example.com', level: '3' }, maxRedirects: 0 });
    expect(answer.status()).toBe(403);
    expect(await answer.text()).toContain('CSRF');
    expect(await bed.h.db.vip.count({ where: { email: 'csrf@example.com' } })).toBe(0);
    // The console's pages are not API routes: the OpenAPI document leaves them out.
    const openapi = await (await fetch(url('/openapi.json'))).json() as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths).filter((path) => path.startsWith('/console'))).toEqual([]);
    expect(Object.keys(openapi.paths)).toContain('/v1/lookup');
    await context.close();
  });

  it('lists 10,000 VIPs paged server-side: the first page in under a second, search, level filter, sort', async () => {
    const { context, page } = await session(bed.tokens.writer);
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
    await page.getByLabel('Search name, email, company or phone').fill('globex');
    await page.getByLabel('Level', { exact: true }).selectOption('2');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/q=globex/);
    expect(await page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(['erin@globex.com']);
    await page.goto(url('/console/vips?sort=level'));
    expect(await page.locator('tbody tr').first().locator('.level').textContent()).toBe('5');
    await context.close();
  });

  it('adds a VIP (errors next to the field, live notes counter), edits them, returns a CRM person to the CRM level, deletes', async () => {
    const { context, page } = await session(bed.tokens.writer);
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
    const grace = await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'grace@hopper.example' } });
    expect(grace).toMatchObject({ level: 4, manualLevel: 4, levelSource: 'manual', notes: 'Prefers 😀 email', levelReason: 'set by token:vip-keeper via console' });

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Level (required)').selectOption('2');
    await page.getByLabel('Phone').fill('+1 415 555 0100');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/grace%40hopper\.example$/);
    expect(await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'grace@hopper.example' } })).toMatchObject({ level: 2, phone: '+14155550100', notes: 'Prefers 😀 email' });
    expect(await bed.h.db.auditLog.count({ where: { action: 'vip.edit', subject: 'grace@hopper.example', surface: 'console' } })).toBe(1);

    // A CRM person: editing the name leaves the CRM's level alone; a level becomes a manual one
    // shown beside the CRM's, and "return to CRM level" goes back.
    await page.goto(url('/console/vips/ada%40acme.com/edit'));
    await page.getByLabel('Name').fill('Ada King');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } })).toMatchObject({ name: 'Ada King', level: 5, manualLevel: null });
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Level (required)').selectOption('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    expect(await page.locator('#crm-level').textContent()).toContain('level 5');
    await shot(page, 'edit');
    await page.getByRole('button', { name: 'Return to CRM level (5)' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await bed.h.db.vip.findUniqueOrThrow({ where: { email: 'ada@acme.com' } })).toMatchObject({ level: 5, manualLevel: null, levelSource: 'crm' });
    // The CRM records behind her: both CRMs' contacts, with what each says.
    const records = await page.locator('section[aria-labelledby="crm-h"] tbody tr').allTextContents();
    expect(records).toHaveLength(2);
    expect(records.find((r) => r.includes('201'))).toContain('CEO');
    expect(records.find((r) => r.includes('003000000000001AAA'))).toContain('Board Member');

    // Delete one: the page asks first, naming how many.
    await page.goto(url('/console/vips/grace%40hopper.example'));
    await page.getByRole('button', { name: 'Delete…' }).click();
    expect(await page.locator('h1').textContent()).toBe('Delete 1 VIP?');
    await page.getByRole('button', { name: 'Delete 1 VIP' }).click();
    await page.waitForURL(/\/console\/vips$/);
    expect(await page.locator('.notice').textContent()).toBe('Deleted 1 person.');
    expect(await bed.h.db.vip.count({ where: { email: 'grace@hopper.example' } })).toBe(0);
    await context.close();
  });

  it('bulk-deletes the selected people after a confirmation naming how many; people from a CRM cannot be selected and the page says why', async () => {
    await bed.h.db.vip.createMany({ data: ['bulk1', 'bulk2', 'bulk3'].map((n) => ({ email: `${n}@bulk.example`, name: `Bulk ${n}`, level: 1, manualLevel: 1, levelSource: 'manual' as const, source: 'manual' as const })) });
    const { context, page } = await session(bed.tokens.writer);
    await page.goto(url('/console/vips?q=bulk.example'));
    await page.getByLabel('Select every deletable VIP on this page').check();
    expect(await page.locator('[data-bulk-delete]').textContent()).toBe('Delete 3 selected…');
    await page.locator('[data-bulk-delete]').click();
    expect(await page.locator('h1').textContent()).toBe('Delete 3 VIPs?');
    await shot(page, 'bulk-delete');
    await page.getByRole('button', { name: 'Delete 3 VIPs' }).click();
    await page.waitForURL(/q=bulk\.example/);
    expect(await page.locator('.notice').textContent()).toBe('Deleted 3 people.');
    expect(await bed.h.db.vip.count({ where: { email: { endsWith: '@bulk.example' } } })).toBe(0);

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

  it('is usable from the keyboard: the skip link comes first and moves focus to the content; fields have labels', async () => {
    const { context, page } = await session(bed.tokens.writer);
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
});

// The VIP console in a real browser, for what came with contact notes, VIP groups and phones: the
// person page's contact notes (add with the live counter, edit, delete after a confirmation),
// groups and the winning handling, phones; the Groups page; the list's group filter and search by
// phone; the lookup box. test/console-browser.ts has the server, database and browser.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addGroup } from '../admin/vip-groups.js';
import { CONSOLE_SETUP_TIMEOUT_MS, startConsoleBed, TEST_ADMIN as admin, type ConsoleBed } from './console-browser.js';

/** One number Ada and Erin share (a switchboard) and one only Erin has. */
const SHARED_PHONE = '+14155550100';
const ERIN_PHONE = '+14155550101';

describe('the VIP console in a browser: contact notes, groups, phones, lookup', () => {
  let bed: ConsoleBed;
  beforeAll(async () => {
    bed = await startConsoleBed('console_extras', 20);
    // What the derivation leaves for people whose CRM records have phones (the fixture's have none).
    // Ada is in "Board" by the default rules (her Salesforce title "Board Member"), from the sync.
    await bed.h.db.vip.update({ where: { email: 'ada@acme.com' }, data: { phones: [SHARED_PHONE] } });
    await bed.h.db.vip.update({ where: { email: 'erin@globex.com' }, data: { phones: [SHARED_PHONE, ERIN_PHONE] } });
    await addGroup(bed.h.db, { name: 'Board', priority: 'immediate', responseTimeMinutes: 10, escalationTeam: 'board-desk', guidance: 'Call back within ten minutes.' }, admin);
    await addGroup(bed.h.db, { name: 'Press', priority: 'normal', responseTimeMinutes: 600 }, admin);
  }, CONSOLE_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await bed?.close();
  });
  const url = (path: string) => bed.url(path);
  const audits = (action: string, subject: string) => bed.h.db.auditLog.findMany({ where: { action, subject, surface: 'console' }, orderBy: { id: 'asc' } });

  it('adds contact notes (live counter, 2,000-character limit), lists them newest first, edits one, deletes one after a confirmation', async () => {
    const { context, page } = await bed.session(bed.tokens.writer);
    await page.goto(url('/console/vips/ada%40acme.com'));
    expect(await page.locator('#contact-notes-h').textContent()).toContain('(0)');
    const box = page.getByLabel('Add a contact note');
    await box.fill('x'.repeat(2001));
    expect(await page.locator('#contact-note-count').textContent()).toBe('2001 / 2000 characters: 1 too many');
    expect(await page.locator('#contact-note-count').getAttribute('class')).toContain('over');
    await page.getByRole('button', { name: 'Add note' }).click();
    // Refused by the admin service, with the text kept to shorten.
    expect(await page.locator('#contact-note-error').textContent()).toContain('text is 2001 characters; a contact note holds at most 2000');
    expect((await page.getByLabel('Note').inputValue()).length).toBe(2001);
    await page.getByLabel('Note').fill('Called about the renewal.\nPrefers mornings.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await page.locator('.notice').textContent()).toBe('Contact note added.');
    await page.getByLabel('Add a contact note').fill('Second call: wants a discount.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    const notes = page.locator('.contact-notes li');
    expect(await notes.count()).toBe(2);
    expect(await notes.nth(0).textContent()).toContain('Second call');
    expect(await notes.nth(1).locator('.notes').textContent()).toBe('Called about the renewal.\nPrefers mornings.');
    expect(await notes.nth(1).textContent()).toContain('token:vip-keeper');

    // Edit the older one: its author and time stay, the editor is shown beside them.
    const older = await notes.nth(1).getAttribute('data-note-id');
    await page.getByRole('link', { name: `Edit note ${older}` }).click();
    await page.getByLabel('Note').fill('Called about the renewal (March).');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await page.locator(`li[data-note-id="${older}"]`).textContent()).toMatch(/Called about the renewal \(March\)\.[\s\S]*edited by token:vip-keeper/);
    const [edit] = await audits('vip.note.edit', 'ada@acme.com');
    expect(edit!.details).toMatchObject({ noteId: older, oldText: 'Called about the renewal.\nPrefers mornings.' });
    await bed.shot(page, 'person');

    // Delete asks first; Cancel keeps the note.
    const newer = await notes.nth(0).getAttribute('data-note-id');
    await page.getByRole('button', { name: `Delete note ${newer}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await notes.count()).toBe(2);
    await page.getByRole('button', { name: `Delete note ${newer}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: `Delete note ${newer}` }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await page.locator('.notice').textContent()).toContain('Contact note deleted');
    expect(await notes.count()).toBe(1);
    const [deleted] = await audits('vip.note.delete', 'ada@acme.com');
    expect(deleted!.details).toMatchObject({ noteId: newer, oldText: 'Second call: wants a discount.' });
    expect(await audits('vip.note.add', 'ada@acme.com')).toHaveLength(2);
    await context.close();
  });

  it('shows a person\'s groups with source, reason and handling, and the winning handling as the lookup gives it; adds to and removes from a group', async () => {
    const { context, page } = await bed.session(bed.tokens.writer);
    await page.goto(url('/console/vips/ada%40acme.com'));
    const board = page.locator('#person-groups tbody tr', { hasText: 'Board' });
    expect(await board.textContent()).toMatch(/Board[\s\S]*crm[\s\S]*rule "board-by-title"[\s\S]*immediate, 10 min, board-desk/);
    expect(await board.textContent()).toContain('cannot be removed here');
    expect(await board.getByRole('button').count()).toBe(0);
    // The same handling and reason the agents' lookup answers with.
    const answer = await (await fetch(url('/v1/lookup?email=ada%40acme.com'), { headers: { authorization: `Bearer ${bed.tokens.writer}` } })).json() as { handlingReason: string };
    expect(answer.handlingReason).toContain("group 'Board' (immediate, 10 min)");
    expect(await page.locator('#handling-reason').textContent()).toBe(`Why: ${answer.handlingReason}`);

    // Ada into Press by hand, and into Board by hand too (beside the CRM's membership).
    await page.getByLabel('Add to a group').selectOption('Press');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await page.locator('.notice').textContent()).toBe('Added to the group "Press".');
    expect(await page.locator('#person-groups tbody tr', { hasText: 'Press' }).textContent()).toMatch(/manual[\s\S]*token:vip-keeper/);
    await page.getByLabel('Add to a group').selectOption('Board');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await page.locator('#person-groups tbody tr').count()).toBe(3);

    // Removing the hand-set Board membership says she stays in it through the CRM.
    await page.getByRole('button', { name: 'Remove from Board' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove from Board' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await page.locator('.notice').textContent()).toContain('Still in it through the rules from CRM facts');
    await page.getByRole('button', { name: 'Remove from Press' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove from Press' }).click();
    await page.waitForURL(/ada%40acme\.com$/);
    expect(await page.locator('#person-groups tbody tr').allTextContents()).toEqual([expect.stringContaining('Board')]);
    expect((await audits('group.member.add', 'ada@acme.com')).map((a) => (a.details as { group: string }).group)).toEqual(['Press', 'Board']);
    expect(await audits('group.member.remove', 'ada@acme.com')).toHaveLength(2);

    // The list filtered by group: the CRM's members and admins' alike.
    await page.goto(url('/console/vips'));
    await page.getByLabel('Group').selectOption('Board');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/group=Board/);
    expect(await page.locator('table.list tbody tr').allTextContents()).toEqual([expect.stringContaining('ada@acme.com')]);
    await context.close();
  });

  it('lists groups with handling and member counts; only admin defines, edits and deletes them', async () => {
    const writer = await bed.session(bed.tokens.writer);
    await writer.page.goto(url('/console/groups'));
    expect(await writer.page.locator('#groups tbody tr', { hasText: 'Board' }).textContent()).toMatch(/immediate[\s\S]*10 min[\s\S]*board-desk[\s\S]*1 \(0 \/ 0 \/ 1\)/);
    expect(await writer.page.getByRole('link', { name: 'Define a group' }).count()).toBe(0);
    await writer.page.goto(url('/console/groups/new'));
    expect(await writer.page.locator('h1').textContent()).toBe('Your token cannot do this');
    await writer.context.close();

    const { context, page } = await bed.session(bed.tokens.admin);
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByRole('link', { name: 'Define a group' }).click();
    await page.getByLabel('Name').fill('Partners');
    await page.getByLabel('Priority').selectOption('elevated');
    await page.getByLabel('First response within (minutes)').fill('20000');
    await page.getByLabel('Escalation team (optional)').fill('alliances');
    await page.getByRole('button', { name: 'Define group' }).click();
    // The admin service's refusal, with what was typed kept.
    expect(await page.locator('#group-error').textContent()).toContain('responseTimeMinutes "20000" is not a whole number of minutes from 1 to 10080');
    expect(await page.getByLabel('Escalation team (optional)').inputValue()).toBe('alliances');
    await page.getByLabel('First response within (minutes)').fill('120');
    await page.getByRole('button', { name: 'Define group' }).click();
    await page.waitForURL(/\/console\/groups$/);
    expect(await page.locator('.notice').textContent()).toBe('Group "Partners" defined (elevated, 120 min).');

    await page.getByRole('link', { name: 'Edit Partners' }).click();
    await page.getByLabel('Priority').selectOption('high');
    await page.getByLabel('Escalation team (optional)').fill('');
    await page.getByRole('button', { name: 'Save group' }).click();
    await page.waitForURL(/\/console\/groups$/);
    expect(await bed.h.db.vipGroup.findUniqueOrThrow({ where: { nameKey: 'partners' } })).toMatchObject({ priority: 'high', escalationTeam: null, responseTimeMinutes: 120 });
    await bed.shot(page, 'groups');

    await page.getByRole('button', { name: 'Delete Partners' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete Partners' }).click();
    await page.waitForURL(/\/console\/groups$/);
    expect(await page.locator('#groups tbody tr', { hasText: 'Partners' }).count()).toBe(0);
    expect((await bed.h.db.auditLog.findMany({ where: { subject: 'Partners', surface: 'console' }, orderBy: { id: 'asc' } })).map((a) => a.action))
      .toEqual(['group.add', 'group.edit', 'group.delete']);
    await context.close();
  });

  it('shows the phones a person is found by; the list search and the lookup box find people by phone (ambiguous when shared)', async () => {
    const { context, page } = await bed.session(bed.tokens.lookup);
    await page.goto(url('/console/vips/erin%40globex.com'));
    expect(await page.locator('dd.phones').textContent()).toContain(`${SHARED_PHONE}, ${ERIN_PHONE}`);

    await page.goto(url('/console/vips'));
    await page.getByLabel('Search name, email, company or phone').fill('(415) 555-0101');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/q=/);
    expect(await page.locator('table.list tbody tr').allTextContents()).toEqual([expect.stringContaining('erin@globex.com')]);

    const lookUp = async (text: string) => {
      await page.getByLabel('Lookup', { exact: true }).fill(text);
      await page.getByLabel('Lookup', { exact: true }).press('Enter');
      await page.waitForURL(/\/console\/lookup\?q=/);
    };
    await lookUp('415 555 0101');
    expect(await page.locator('#answer-h').textContent()).toBe('Erin Brockovich');
    expect(await page.locator('#answer').textContent()).toContain(`Phone looked up${ERIN_PHONE}`);
    await lookUp('ada@acme.com');
    expect(await page.locator('#answer-handling').textContent()).toContain('immediate, first response within 10 min, escalate to board-desk');
    expect(await page.locator('#answer').textContent()).toMatch(/Board \(crm: rule "board-by-title"/);
    expect(await page.locator('#answer').textContent()).toContain('Notes are not shown');

    await lookUp(SHARED_PHONE);
    expect(await page.locator('#answer-h').textContent()).toBe(`Ambiguous: ${SHARED_PHONE} belongs to 2 people`);
    expect(await page.locator('#candidates li').allTextContents()).toEqual([expect.stringContaining('ada@acme.com'), expect.stringContaining('erin@globex.com')]);
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.waitForURL(/ada%40acme\.com$/);

    await lookUp('12');
    expect(await page.locator('#lookup-error').textContent()).toContain('cannot look up');
    await lookUp('nobody@example.net');
    expect(await page.locator('#answer-h').textContent()).toBe('Unknown sender: nobody@example.net');
    // Lookups are audited as the agents' are (written shortly after, off the hot path).
    await expect.poll(() => bed.h.db.auditLog.count({ where: { action: 'lookup', actor: 'token:desk-lookup', surface: 'console' } })).toBeGreaterThanOrEqual(4);
    await context.close();
  });
});

// What the console's browser tests share: a real `vipsync serve` server (startApiServer) over a
// database synced from the CRM emulators by a real worker (Temporal behind "validate now" and
// "sync now"), people seeded on the list, a token per scope, and one chromium (Debian's, driven
// by playwright-core) for the test file, with a fresh browser context (cookie jar) per session.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createToken } from '../admin/tokens.js';
import { loadFixtureFile } from '../emulators/fixture.js';
import { startApiServer, type ApiServer } from '../server/main.js';
import { startHarness, type Harness } from './harness.js';
import { chromiumPath } from './setup/chromium.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;
const DOCS = new URL('../docs/', import.meta.url).pathname;
export const TEST_ADMIN = { name: 'test-admin', surface: 'cli' as const };
/** Ada's notes: no answer to a session without notes:read may hold them. */
export const SECRET_NOTE = 'Renewal-in-March-NOTE-7f3a';
/** A contact note's text: likewise never in an answer to a session without notes:read. */
export const SECRET_CONTACT_NOTE = 'Prefers-calls-after-4pm-CONTACT-9b2e';
/** VIPSYNC_CONSOLE_SCREENSHOTS=1 saves the main pages to docs/console-*.png (the README shows them). */
const SCREENSHOTS = process.env.VIPSYNC_CONSOLE_SCREENSHOTS === '1';
/** A fresh machine may first install chromium (apt-get update and install: minutes). */
export const CONSOLE_SETUP_TIMEOUT_MS = 900_000;

export interface ConsoleBed {
  h: Harness;
  api: ApiServer;
  browser: Browser;
  tokens: { lookup: string; notes: string; writer: string; admin: string };
  url(path: string): string;
  /** A browser context signed in with this token, on the VIP list. */
  session(token: string): Promise<{ context: BrowserContext; page: Page }>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The console over a synced database with `people` seeded people (person00001@example.org ...,
 * level 1 + i % 5, manual, from a CSV), Ada with notes and Erin stale with her evidence.
 */
export async function startConsoleBed(name: string, people: number): Promise<ConsoleBed> {
  const executablePath = chromiumPath();
  const h = await startHarness(name, await loadFixtureFile(FIXTURE));
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
  await h.db.$executeRawUnsafe(`
    INSERT INTO vips (email, name, company, level, manual_level, level_source, level_reason, source, created_at)
    SELECT 'person' || lpad(i::text, 5, '0') || '@example.org', 'Person ' || lpad(i::text, 5, '0'), 'Company ' || (i % 97),
           1 + (i % 5), 1 + (i % 5), 'csv', 'imported by seed', 'csv', now() - (i || ' minutes')::interval
    FROM generate_series(1, $1::int) AS i`, people);
  const api = await startApiServer({
    databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default', syncTaskQueue: h.config.syncTaskQueue, port: 0,
  });
  const tokens = {
    lookup: (await createToken(h.db, { name: 'desk-lookup', scopes: ['lookup'] }, TEST_ADMIN)).token,
    notes: (await createToken(h.db, { name: 'desk-notes', scopes: ['lookup', 'notes:read'] }, TEST_ADMIN)).token,
    writer: (await createToken(h.db, { name: 'vip-keeper', scopes: ['lookup', 'notes:read', 'vips:write'] }, TEST_ADMIN)).token,
    admin: (await createToken(h.db, { name: 'ops', scopes: ['admin'] }, TEST_ADMIN)).token,
  };
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  if (SCREENSHOTS) mkdirSync(DOCS, { recursive: true });
  const url = (path: string) => `${api.url}${path}`;
  return {
    h, api, browser, tokens, url,
    async session(token) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      await page.goto(url('/console/vips'));
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/console\/vips/);
      return { context, page };
    },
    async shot(page, shotName) {
      if (SCREENSHOTS) await page.screenshot({ path: `${DOCS}console-${shotName}.png` });
    },
    async close() {
      await browser.close();
      await api.close();
      await h.close();
    },
  };
}

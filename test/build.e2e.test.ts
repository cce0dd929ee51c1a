// The worker image's path: `npm run build` compiles the project, and the compiled CLI (no tsx)
// migrates a database and runs a worker that bundles its workflows, reads the default VIP rules
// and syncs: the files it reads at run time are in the build. Run with the image's NODE_OPTIONS.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationStatus } from '../prisma/migrate.js';
import { imageNodeOptions } from '../worker/image.js';
import { triggerSync, waitForSync } from '../sync/schedules.js';
import { emptyFixture, hubspotContact, salesforceContact } from './fixtures/build.js';
import { startHarness, type Harness } from './harness.js';
import { freshDatabase } from './setup/database.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Inside the project, so the compiled code finds node_modules as dist/ does.
const OUT = join(ROOT, '.vipsync', `build-test-${process.pid}`);
const CLI = join(OUT, 'cli/run.js');
const env = (extra: Record<string, string>) => ({ ...process.env, NODE_OPTIONS: imageNodeOptions(), ...extra });

describe('the compiled build (npm run build), as the worker image runs it', () => {
  let h: Harness | undefined;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'bin/build.mjs'), '--out', OUT], { cwd: ROOT, timeout: 180_000 });
  }, 200_000);
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await h?.close();
    await rm(OUT, { recursive: true, force: true });
  });

  it('migrates a database with the migrations copied into the build', async () => {
    const databaseUrl = await freshDatabase('build_migrate');
    const { stderr } = await run(process.execPath, [CLI, 'db', 'migrate'], { env: env({ DATABASE_URL: databaseUrl }), timeout: 60_000 });
    const status = await migrationStatus(databaseUrl);
    expect(status.pending).toEqual([]);
    expect(stderr).toContain(`applied ${status.applied.length} migration(s)`);
  });

  it('runs a worker that syncs both CRMs and derives VIPs with the default rules', { timeout: 180_000 }, async () => {
    const data = emptyFixture();
    data.hubspot.contacts = [hubspotContact(1, '2026-03-01T00:00:00.000Z', { jobtitle: 'Chief Executive Officer' })];
    data.salesforce.Contact = [salesforceContact(1, '2026-03-01T00:00:00.000Z', { Title: 'Engineer' })];
    h = await startHarness('build_worker', data, { noWorker: true });
    worker = spawn(process.execPath, [CLI, 'worker'], {
      env: env({
        DATABASE_URL: h.databaseUrl,
        TEMPORAL_ADDRESS: h.config.temporalAddress,
        VIPSYNC_SYNC_TASK_QUEUE: h.config.syncTaskQueue,
        VIPSYNC_LOOKUP_TASK_QUEUE: h.config.lookupTaskQueue,
        VIPSYNC_CONNECTIONS: JSON.stringify(h.config.connections),
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      worker!.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('vipsync worker started')) resolve();
      });
      worker!.once('exit', (code) => reject(new Error(`the compiled worker exited (${code}) before starting:\n${log.slice(-2000)}`)));
    });
    for (const connectionId of [h.hubspotId, h.salesforceId]) {
      expect(await waitForSync(h.client, await triggerSync(h.client, connectionId))).toMatchObject({ fetched: 1, created: 1 });
    }
    const people = await h.db.vip.findMany({ orderBy: { email: 'asc' } });
    // The default rules (vip/default-rules.yaml, copied into the build): C-suite is 4.
    expect(people.map((p) => [p.email, p.level, p.validated])).toEqual([['person1@example.com', 4, true], ['sf1@example.com', null, true]]);
    expect(people[0]!.levelReason).toContain('rule "executive"');
  });
});

// The CLI as a newcomer uses it: `dev up` in the background, sync, lookup, emulator load, `dev down`,
// each a real `vipsync` process, with state in a throwaway VIPSYNC_HOME.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../cli/stack/processes.js';
import { runVipsync } from './cli-process.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;

describe('vipsync CLI with the embedded dev stack', () => {
  let home: string;
  // Syncs only when the test asks: a scheduled run (every 15 minutes, on the quarter hour, by
  // default) or one a change event starts, between a change and `sync now`, would take the change
  // and leave `sync now` nothing.
  const vipsync = (...args: string[]) => runVipsync(args, { VIPSYNC_HOME: home, VIPSYNC_SYNC_INTERVAL_SECONDS: String(7 * 24 * 3600), VIPSYNC_DEV_PUSH_PATHS: 'false' });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'vipsync-cli-'));
    await chmod(home, 0o755);
  });
  afterAll(async () => {
    await vipsync('dev', 'down');
    await rm(home, { recursive: true, force: true });
  });

  it('dev up, sync now --wait, lookup, emulator load, re-sync, dev down leaves nothing running', { timeout: 300_000 }, async () => {
    const up = await vipsync('dev', 'up', '--fixture', FIXTURE, '--json');
    expect(up.code, up.stderr).toBe(0);
    const state = JSON.parse(up.stdout) as { status: string; pid: number; connections: string[] };
    expect(state).toMatchObject({ status: 'ready', connections: ['hubspot', 'salesforce'] });
    expect(isProcessAlive(state.pid)).toBe(true);

    const status = await vipsync('dev', 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: state.pid });

    const sync = await vipsync('sync', 'now', '--wait', '--json');
    expect(sync.code, sync.stderr).toBe(0);
    const summaries = JSON.parse(sync.stdout) as { connectionId: string; created: number; quarantined: number }[];
    expect(summaries.map((s) => [s.connectionId, s.created, s.quarantined])).toEqual([['hubspot', 5, 2], ['salesforce', 3, 1]]);

    const ada = await vipsync('lookup', 'ADA@acme.com', '--json');
    expect(JSON.parse(ada.stdout)).toMatchObject({ email: 'ada@acme.com', isVip: true, level: 5, validated: true });
    const text = await vipsync('lookup', 'ada@acme.com');
    expect(text.stdout).toContain('ada@acme.com: VIP level 5');

    const invalid = await vipsync('lookup', 'not an email');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('contains whitespace');

    const changed = JSON.parse(await readFile(FIXTURE, 'utf8'));
    changed.salesforce.Contact.find((c: { Email: string }) => c.Email === 'erin@globex.com').VIP_Level__c = 1;
    const changedFile = join(home, 'changed.json');
    await writeFile(changedFile, JSON.stringify(changed));
    expect((await vipsync('emulator', 'load', changedFile)).code).toBe(0);
    const resync = await vipsync('sync', 'now', '--connection', 'salesforce', '--wait', '--json');
    // Every record of this fixture shares the CRM's one instant: the incremental walk re-reads them
    // all within its overlap before the watermark, and writes only the changed one.
    expect(JSON.parse(resync.stdout)).toMatchObject([{ connectionId: 'salesforce', fetched: 4, created: 0, updated: 1 }]);
    expect(JSON.parse((await vipsync('lookup', 'erin@globex.com', '--json')).stdout)).toMatchObject({ level: 1 });

    const syncStatus = await vipsync('sync', 'status', '--json');
    expect((JSON.parse(syncStatus.stdout) as { status: string }[]).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);

    expect((await vipsync('sync', 'pause', '--connection', 'hubspot')).code).toBe(0);
    const pausedStatus = JSON.parse((await vipsync('sync', 'status', '--json')).stdout) as { connection: string; paused: boolean }[];
    expect(pausedStatus.map((r) => [r.connection, r.paused])).toEqual([['hubspot', true], ['salesforce', false]]);
    expect((await vipsync('sync', 'resume')).code).toBe(0);
    const full = await vipsync('sync', 'now', '--connection', 'hubspot', '--full', '--wait', '--json');
    expect(JSON.parse(full.stdout)).toMatchObject([{ connectionId: 'hubspot', mode: 'companies:full contacts:full', created: 0, updated: 0 }]);

    const badFixture = await vipsync('emulator', 'load', join(home, 'missing.json'));
    expect(badFixture).toMatchObject({ code: 2 });
    expect(badFixture.stderr).toContain('fixture file not found');

    expect((await vipsync('dev', 'down')).code).toBe(0);
    expect(isProcessAlive(state.pid)).toBe(false);
    const after = await vipsync('dev', 'status', '--json');
    expect(JSON.parse(after.stdout)).toEqual({ running: false });
    const lookupWithoutStack = await vipsync('lookup', 'ada@acme.com');
    expect(lookupWithoutStack.code).toBe(2);
    expect(lookupWithoutStack.stderr).toContain('vipsync dev up');
  });
});

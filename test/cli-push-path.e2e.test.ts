// The Salesforce push path as a demo shows it: `dev up` (Change Data Capture on), one sync, then
// `vipsync emulator salesforce edit` and the lookup answering the new level with no sync asked
// for (the change event goes to the push workflow, which re-reads the record by id); `vipsync
// doctor` reporting the subscriptions and the push path. Each a real `vipsync` process.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVipsync } from './cli-process.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;
const ERIN = '003000000000002AAA';

describe('vipsync emulator salesforce with the dev stack\'s push path', () => {
  let home: string;
  const vipsync = (...args: string[]) => runVipsync(args, { VIPSYNC_HOME: home, VIPSYNC_SYNC_INTERVAL_SECONDS: String(7 * 24 * 3600) });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'vipsync-push-'));
    await chmod(home, 0o755);
  });
  afterAll(async () => {
    await vipsync('dev', 'down');
    await rm(home, { recursive: true, force: true });
  });

  it('an edit made with the emulator command reaches the lookup without a sync being asked for', { timeout: 300_000 }, async () => {
    expect((await vipsync('emulator', 'salesforce', 'edit', 'Contact', ERIN, 'Title=x')).stderr).toContain('the dev stack is not running');
    const up = await vipsync('dev', 'up', '--fixture', FIXTURE, '--json');
    expect(up.code, up.stderr).toBe(0);
    expect((await vipsync('sync', 'now', '--wait', '--json')).code).toBe(0);
    expect(JSON.parse((await vipsync('lookup', 'erin@globex.com', '--json')).stdout)).toMatchObject({ level: 2 });

    const edit = await vipsync('emulator', 'salesforce', 'edit', 'Contact', ERIN, 'VIP_Level__c=5', '--json');
    expect(edit.code, edit.stderr).toBe(0);
    expect(JSON.parse(edit.stdout)).toEqual({ object: 'Contact', id: ERIN, updated: ['VIP_Level__c'] });
    let level: number | null = null;
    for (let i = 0; i < 30 && level !== 5; i++) {
      level = (JSON.parse((await vipsync('lookup', 'erin@globex.com', '--json')).stdout) as { level: number | null }).level;
    }
    expect(level).toBe(5);

    const created = await vipsync('emulator', 'salesforce', 'create', 'Contact', 'Email=grace@globex.com', 'LastName=Hopper', 'VIP_Level__c=4', '--json');
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    let grace: { level: number | null; validated: boolean } = { level: null, validated: false };
    for (let i = 0; i < 30 && grace.level !== 4; i++) grace = JSON.parse((await vipsync('lookup', 'grace@globex.com', '--json')).stdout);
    expect(grace).toMatchObject({ level: 4, validated: true });
    expect((await vipsync('emulator', 'salesforce', 'delete', 'Contact', id)).code).toBe(0);

    const doctor = await vipsync('doctor', '--json');
    const lines = (JSON.parse(doctor.stdout) as { check: string; verdict: string; detail: string }[]).filter((c) => c.check.includes('change events'));
    expect(lines.map((c) => [c.check, c.verdict])).toEqual([
      ['connection salesforce: change events /data/AccountChangeEvent', 'ok'],
      ['connection salesforce: change events /data/ContactChangeEvent', 'ok'],
    ]);
    expect(lines[1]!.detail).toMatch(/^subscribed; last event committed \d+ s ago, handed on \d+\.\d s after its commit; replay id stored \d+ s ago$/);
    // The edit's and the creation's events at least (the deletion's may still be on its way).
    const push = (JSON.parse(doctor.stdout) as { check: string; verdict: string; detail: string }[]).find((c) => c.check === 'connection salesforce: push');
    expect(push).toMatchObject({ verdict: 'ok', detail: expect.stringMatching(/^on; last event received \d+ s ago, last applied \d+ s ago; lag \d+ ms .*; [2-9] events, 0 duplicates/) });

    const unknown = await vipsync('emulator', 'salesforce', 'edit', 'Lead', ERIN, 'Title=x');
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, 'vipsync: unknown object "Lead": use Contact or Account']);
    const refused = await vipsync('emulator', 'salesforce', 'edit', 'Contact', ERIN, 'NoSuchField__c=1');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Salesforce refused PATCH sobjects/Contact/003000000000002AAA: INVALID_FIELD');
    const noPair = await vipsync('emulator', 'salesforce', 'edit', 'Contact', ERIN, 'Title');
    expect(noPair.stderr).toContain('"Title" is not Field=Value');
    expect((await vipsync('dev', 'down')).code).toBe(0);
  });
});

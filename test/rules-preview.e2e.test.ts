// `vipsync rules preview FILE`: whose level a proposed rules file would change and why, from the
// synced CRM records, before anyone uses it; nothing is written. Real PostgreSQL, real syncs.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtureFile } from '../emulators/fixture.js';
import { DEFAULT_RULES_FILE, loadRules } from '../vip/rules.js';
import { previewRules } from '../vip/rules-preview.js';
import { runVipsync } from './cli-process.js';
import { startHarness, type Harness } from './harness.js';

const FIXTURE = new URL('./fixtures/basic.json', import.meta.url).pathname;

/** The default rules plus engineers at level 1 (bob@acme.com is an Engineer in the fixture). */
async function rulesWithEngineers(dir: string): Promise<string> {
  const text = (await readFile(DEFAULT_RULES_FILE, 'utf8'))
    .replace('titleGroups:\n', "titleGroups:\n  engineers:\n    description: engineers\n    match:\n      - '\\bengineer\\b'\n")
    .replace('rules:\n', 'rules:\n  - id: engineer\n    level: 1\n    description: Engineer\n    when: { titleGroup: engineers }\n');
  const file = join(dir, 'proposed.yaml');
  await writeFile(file, text);
  return file;
}

describe('rules preview', { timeout: 120_000 }, () => {
  let h: Harness;
  let dir: string;
  let proposedFile: string;
  const vips = () => h.db.vip.findMany({ orderBy: { email: 'asc' } });

  beforeAll(async () => {
    h = await startHarness('rules_preview', await loadFixtureFile(FIXTURE));
    await h.sync(h.hubspotId);
    await h.sync(h.salesforceId);
    dir = await mkdtemp(join(tmpdir(), 'vipsync-rules-'));
    proposedFile = await rulesWithEngineers(dir);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('says whose CRM-derived level would change, to what and why, and writes nothing', async () => {
    const before = await vips();
    const preview = await previewRules(h.db, loadRules(), loadRules(proposedFile));
    expect(preview).toMatchObject({ people: before.length, changed: 1, moves: [{ from: null, to: 1, people: 1 }] });
    expect(preview.sample).toEqual([{
      email: 'bob@acme.com', from: null, to: 1, manualLevel: null,
      reason: expect.stringContaining('rule "engineer" (Engineer): title "Engineer"'),
    }]);
    expect(preview.distribution.levels.find((l) => l.level === 1)?.count).toBe(1);
    expect(await vips()).toEqual(before);
  });

  it('an admin\'s level stays: the person is listed as changing underneath it, counted at the manual level', async () => {
    await h.db.vip.update({ where: { email: 'bob@acme.com' }, data: { level: 3, manualLevel: 3, levelSource: 'manual' } });
    const preview = await previewRules(h.db, loadRules(), loadRules(proposedFile));
    expect(preview.sample[0]).toMatchObject({ email: 'bob@acme.com', to: 1, manualLevel: 3 });
    expect(preview.distribution.levels.find((l) => l.level === 1)?.count).toBe(0);
    expect(preview.distribution.levels.find((l) => l.level === 3)?.count).toBeGreaterThanOrEqual(1);
  });

  it('vipsync rules preview prints it (--json for scripts) and names the line of a broken file', async () => {
    const env = { DATABASE_URL: h.databaseUrl, VIPSYNC_HOME: dir };
    const json = await runVipsync(['rules', 'preview', proposedFile, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ changed: 1, rules: { proposed: proposedFile } });
    const human = await runVipsync(['rules', 'preview', proposedFile], env);
    expect(human.stdout).toContain('1 of');
    expect(human.stdout).toContain('bob@acme.com');

    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'version: 1\nrules:\n  - id: x\n    level: 9\n    description: too high\n    when: {}\n');
    const refused = await runVipsync(['rules', 'preview', broken], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/broken\.yaml:4:\d+: rules\[0\]\.level/);
  });
});

// Syncs in flight when a new worker version starts are replayed by it: their recorded histories
// must still replay under today's workflow code (changes go behind `patched`). Replay compares the
// commands (activity types and order), not activity inputs: it catches an activity added, removed
// or reordered, not a walk fed another walk's result, which is what `patched` is for.
import { readFile } from 'node:fs/promises';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../worker/workflows-path.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe('workflow histories recorded by earlier versions replay', () => {
  let workflowBundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  });

  it('a sync whose companies and contacts walks ran one after the other (before they went side by side)', async () => {
    // Recorded with `temporal workflow show -o json` from a HubSpot sync of 1 company and 2 contacts,
    // each walk taking two syncObjects calls (list, then archived listing; activity budget 0).
    const history = JSON.parse(await readFile(fixture('sync-history-sequential-walks.json'), 'utf8')) as { events: { eventType: string }[] };
    expect(history.events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(7);
    await Worker.runReplayHistory({ workflowBundle, replayName: 'sequential-walks' }, history);
  });
});

// `vipsync demo`: the embedded stack with demo data, both CRMs synced, the VIP list, lookups and
// the example agent workflow, then everything stopped and removed.
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { crmProviders } from '../../crm/registry.js';
import { createDb } from '../../db/client.js';
import { lookupVipByEmail } from '../../lookup/service.js';
import { lookupVipByPhoneNumber } from '../../lookup/phone.js';
import { generateDemoFixture } from '../../emulators/demo-data.js';
import { defineDemoGroups } from './demo-groups.js';
import { sendLogsTo } from '../../runtime/logger.js';
import { triggerSync, waitForSync } from '../../sync/schedules.js';
import { startDevStack } from './stack.js';
import { toolsDir, vipsyncHome } from './state.js';
import { keepPreviousLog, summariseLogFile } from './worker-log.js';
import { printTable, progress } from '../output.js';
import { describeLookup } from '../commands/lookup.js';
import { TRIAGE_WORKFLOW_TYPE } from '../../workflows/contract.js';
import type { TriageDecision } from '../../workflows/triage.js';

/** The example agent workflow on a handful of inbound emails, through Temporal like any caller. */
async function triageSamples(temporalAddress: string, senders: string[]): Promise<void> {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection });
    const subjects = ['Production is down', 'Question about my invoice', 'Feature request', 'Hello', 'You won a prize'];
    const decisions = await Promise.all(senders.map((from, i) => client.workflow.execute(TRIAGE_WORKFLOW_TYPE, {
      taskQueue: 'vipsync-sync',
      workflowId: `demo-triage-${i}-${Date.now().toString(36)}`,
      args: [{ from, subject: subjects[i % subjects.length]! }],
    }) as Promise<TriageDecision>));
    process.stdout.write('\nInbound emails triaged by the example agent workflow (workflows/triage.ts):\n');
    printTable(decisions.map((d) => ({
      from: d.from, subject: d.subject, priority: d.priority, queue: d.queue, within: `${d.respondWithinMinutes} min`,
      assignTo: d.assignTo, why: d.reasons[0],
    })));
  } finally {
    await connection.close();
  }
}

export async function runDemo(opts: { contacts: string; keep?: boolean }): Promise<void> {
  const contacts = Number(opts.contacts);
  const started = Date.now();
  // A throwaway folder: the demo leaves nothing behind.
  const dir = await mkdtemp(join(tmpdir(), 'vipsync-demo-'));
  await chmod(dir, 0o755); // PostgreSQL may run as another OS user (when we are root)
  const fixture = generateDemoFixture({ contacts, seed: 42 });
  // The worker runs in this process: its JSON log lines would drown the demo's output.
  const logFile = join(vipsyncHome(), 'demo.log');
  await mkdir(vipsyncHome(), { recursive: true });
  await keepPreviousLog(logFile);
  sendLogsTo(logFile);
  const crms = crmProviders().flatMap((p) => (p.emulator ? [`${p.label} ${p.emulator.describe((fixture as unknown as Record<string, unknown>)[p.system])}`] : []));
  progress(`demo: ${crms.join('; ')}; worker log: ${logFile}`);
  // The HTTP API and the VIP console run while the demo does (its address and a token are printed).
  const stack = await startDevStack({ dir, toolsDir: toolsDir(), fixture, keepData: false, log: (m) => progress(`  ${m}`), servePort: 0 });
  const stopStack = async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
    const warnings = await summariseLogFile(logFile);
    if (warnings) progress(warnings);
  };
  const interrupted = new Promise<void>((resolve) => process.once('SIGINT', resolve));
  if (!opts.keep) void interrupted.then(() => stopStack()).then(() => process.exit(130));
  try {
    const db = createDb(stack.state.databaseUrl, { maxConnections: 2 });
    await defineDemoGroups(db);
    const connection = await Connection.connect({ address: stack.state.temporalAddress });
    const client = new Client({ connection });
    for (const connectionId of stack.state.connections) {
      const workflowId = await triggerSync(client, connectionId);
      const s = await waitForSync(client, workflowId);
      progress(`synced ${connectionId}: ${s.fetched} records fetched, ${s.created} created, ${s.quarantined} quarantined, ${s.apiCalls} API calls`);
    }
    await connection.close();

    const vips = await db.vip.findMany({ where: { level: { not: null } }, orderBy: [{ level: 'desc' }, { email: 'asc' }] });
    const people = await db.vip.count();
    process.stdout.write(`\nVIPs (${vips.length} of ${people} people synced from both CRMs):\n`);
    printTable(vips.slice(0, 25).map((v) => ({
      level: v.level, email: v.email, name: v.name, company: v.company, validatedBy: v.validatedBy.join('+'), reason: v.levelReason,
    })));
    if (vips.length > 25) process.stdout.write(`... and ${vips.length - 25} more (vipsync lookup EMAIL for any)\n`);

    const inBoth = vips.find((v) => v.validatedBy.length > 1);
    // Group members: a VIP whose group may outrank their level, and a non-VIP whom a group alone gives handling.
    const [vipInGroup] = await db.$queryRaw<{ email: string }[]>`SELECT email FROM vips WHERE crm_groups IS NOT NULL AND level IS NOT NULL ORDER BY level, email LIMIT 1`;
    const [onlyInGroup] = await db.$queryRaw<{ email: string }[]>`SELECT email FROM vips WHERE crm_groups IS NOT NULL AND level IS NULL ORDER BY email LIMIT 1`;
    const samples = [vips[0]?.email, inBoth?.email, (await db.vip.findFirst({ where: { level: null } }))?.email, vipInGroup?.email, onlyInGroup?.email, 'nobody@unknown-sender.example']
      .filter((e): e is string => Boolean(e));
    process.stdout.write('\nLookups, as an agent sees them:\n');
    for (const email of samples) process.stdout.write(`${describeLookup(await lookupVipByEmail(db, email))}\n`);
    // A VIP calling from a mobile only one CRM holds is found by it too.
    const withMobile = vips.find((v) => v.phones.length > 1);
    const mobile = withMobile?.phones.find((p) => p !== withMobile.phone);
    if (mobile) process.stdout.write(`${describeLookup(await lookupVipByPhoneNumber(db, mobile, (email) => lookupVipByEmail(db, email)))}\n`);
    const midLevel = vips.find((v) => v.level !== null && v.level <= 3);
    await triageSamples(stack.state.temporalAddress, [vips[0]?.email, midLevel?.email, samples[2], vipInGroup?.email, onlyInGroup?.email, 'nobody@unknown-sender.example', 'not-an-address']
      .filter((e): e is string => Boolean(e)));
    await db.$disconnect();
    progress(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (opts.keep) {
      progress(`the stack keeps running: VIP console at ${stack.state.consoleUrl} (the token is above), API at ${stack.state.apiUrl}; Ctrl-C stops it`);
      await interrupted;
    } else {
      progress(`(vipsync demo --keep keeps the stack and the VIP console at ${stack.state.consoleUrl} running until Ctrl-C)`);
    }
  } finally {
    await stopStack();
  }
}

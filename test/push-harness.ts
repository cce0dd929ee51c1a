// The push path end to end for a test file: a harness (real Temporal, Postgres, the HubSpot
// emulator), `vipsync serve`'s API server receiving the emulator's signed webhooks for the HubSpot
// connection, and helpers to edit records in the emulator as a person in HubSpot would.
import { readFile } from 'node:fs/promises';
import { startApiServer, type ApiServer } from '../server/main.js';
import type { Fixture } from '../emulators/fixture.js';
import type { WebhookSettings } from '../emulators/hubspot.js';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';
export { startWorkerProcess } from './cli-process.js';

export const WEBHOOK_SECRET = 'test-hubspot-app-client-secret';

export interface PushHarness extends Harness {
  api: ApiServer;
  webhookUrl: string;
  /** Changes properties of a record in the emulator (delivered as webhooks). */
  edit(type: 'contacts' | 'companies', id: string, properties: Record<string, string | null>): Promise<void>;
  emulatorCommand(method: string, path: string, body?: unknown): Promise<unknown>;
  levelOf(email: string): Promise<number | null>;
  until(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startPushHarness(name: string, fixture: Fixture, opts: HarnessOptions & { webhooks?: WebhookSettings } = {}): Promise<PushHarness> {
  const h = await startHarness(name, fixture, {
    ...opts,
    connectionSettings: { push: { enabled: true }, webhookSecret: WEBHOOK_SECRET, ...opts.connectionSettings },
  });
  const api = await startApiServer({
    databaseUrl: h.databaseUrl, temporalAddress: h.config.temporalAddress, temporalNamespace: 'default',
    syncTaskQueue: h.config.syncTaskQueue, port: 0, connections: h.config.connections,
  });
  const webhookUrl = `${api.url}/v1/webhooks/hubspot/${h.hubspotId}`;
  h.hubspot.webhooks.configure({ targetUrl: webhookUrl, clientSecret: WEBHOOK_SECRET, ...opts.webhooks });
  const emulatorCommand = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, h.hubspot.url), {
      method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  return {
    ...h,
    api,
    webhookUrl,
    emulatorCommand,
    async edit(type, id, properties) {
      await emulatorCommand('PATCH', `/__emulator/records/${type}/${id}`, { properties });
    },
    async levelOf(email) {
      return (await h.db.vip.findUnique({ where: { email } }))?.level ?? null;
    },
    async until(what, check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await h.client.workflow.getHandle(`vipsync-push-${h.hubspotId}`).terminate().catch(() => {});
      await api.close();
      await h.close();
    },
  };
}


/** The peak resident memory of a process, from /proc (Linux), in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

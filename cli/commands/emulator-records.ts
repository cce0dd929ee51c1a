// `vipsync emulator edit|create|delete|restore|merge|associate|webhooks`: change a record in the
// dev stack's HubSpot emulator as a person would in HubSpot, so a demo shows the change arriving
// (its webhook reaches `vipsync serve` within a second; the scheduled sync would take minutes).
import type { Command } from 'commander';
import { readDevState } from '../dev/state.js';
import { printJson, progress, UsageError } from '../output.js';

async function hubspotEmulatorUrl(): Promise<string> {
  const state = await readDevState();
  const url = state?.status === 'ready' ? state.emulators?.hubspot : undefined;
  if (!url) throw new UsageError('the dev stack\'s HubSpot emulator is not running: start it with `vipsync dev up`');
  return url;
}

async function command(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const url = new URL(path, await hubspotEmulatorUrl());
  const response = await fetch(url, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({})) as Record<string, unknown>;
  if (!response.ok) throw new UsageError(`the HubSpot emulator refused: ${String(answer.error ?? response.status)}`);
  return answer;
}

/** contact/contacts/company/companies -> the API's plural. */
export function objectType(text: string): 'contacts' | 'companies' {
  if (/^contacts?$/i.test(text)) return 'contacts';
  if (/^compan(y|ies)$/i.test(text)) return 'companies';
  throw new UsageError(`unknown object type "${text}": use contact or company`);
}

/** `--set name=value` (repeatable) into properties; `name=` clears a property. */
export function properties(sets: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const set of sets) {
    const at = set.indexOf('=');
    if (at <= 0) throw new UsageError(`--set expects name=value, got "${set}"`);
    const value = set.slice(at + 1);
    out[set.slice(0, at)] = value === '' ? null : value;
  }
  return out;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function report(json: boolean | undefined, answer: Record<string, unknown>, message: string): void {
  if (json) printJson(answer);
  else progress(message);
}

export function registerEmulatorRecordCommands(emulator: Command): void {
  emulator
    .command('edit')
    .description('Change properties of a HubSpot emulator record (delivered as webhooks), e.g. edit contact 201 --set vip_level=5')
    .argument('<type>', 'contact or company').argument('<id>', 'the record id')
    .requiredOption('--set <name=value>', 'a property to set (repeatable; name= clears it)', collect, [])
    .option('--json', 'print the record as JSON')
    .action(async (type: string, id: string, opts: { set: string[]; json?: boolean }) => {
      if (opts.set.length === 0) throw new UsageError('say what to change: --set name=value (e.g. --set vip_level=5)');
      const answer = await command('PATCH', `/__emulator/records/${objectType(type)}/${encodeURIComponent(id)}`, { properties: properties(opts.set) });
      report(opts.json, answer, `HubSpot ${type} ${id}: ${opts.set.join(', ')}`);
    });
  emulator
    .command('create')
    .description('Create a HubSpot emulator record, e.g. create contact --set email=ada@acme.com --set vip_level=4')
    .argument('<type>', 'contact or company')
    .option('--set <name=value>', 'a property (repeatable)', collect, [])
    .option('--company <id>', 'a contact\'s primary company')
    .option('--json', 'print the record as JSON')
    .action(async (type: string, opts: { set: string[]; company?: string; json?: boolean }) => {
      const answer = await command('POST', `/__emulator/records/${objectType(type)}`, { properties: properties(opts.set), companyIds: opts.company ? [opts.company] : [] });
      report(opts.json, answer, `HubSpot ${type} ${String(answer.id)} created`);
    });
  emulator
    .command('delete')
    .description('Archive (delete) a HubSpot emulator record')
    .argument('<type>', 'contact or company').argument('<id>', 'the record id')
    .option('--json', 'print the answer as JSON')
    .action(async (type: string, id: string, opts: { json?: boolean }) => {
      report(opts.json, await command('DELETE', `/__emulator/records/${objectType(type)}/${encodeURIComponent(id)}`), `HubSpot ${type} ${id} archived`);
    });
  emulator
    .command('restore')
    .description('Restore an archived HubSpot emulator record')
    .argument('<type>', 'contact or company').argument('<id>', 'the record id')
    .option('--json', 'print the record as JSON')
    .action(async (type: string, id: string, opts: { json?: boolean }) => {
      report(opts.json, await command('POST', `/__emulator/records/${objectType(type)}/${encodeURIComponent(id)}/restore`), `HubSpot ${type} ${id} restored`);
    });
  emulator
    .command('merge')
    .description('Merge a HubSpot emulator record into another (the other survives)')
    .argument('<type>', 'contact or company').argument('<id>', 'the record merged away')
    .requiredOption('--into <id>', 'the record that survives')
    .option('--json', 'print the survivor as JSON')
    .action(async (type: string, id: string, opts: { into: string; json?: boolean }) => {
      const answer = await command('POST', `/__emulator/records/${objectType(type)}/${encodeURIComponent(id)}/merge-into/${encodeURIComponent(opts.into)}`);
      report(opts.json, answer, `HubSpot ${type} ${id} merged into ${opts.into}`);
    });
  emulator
    .command('associate')
    .description('Make a company the primary company of a HubSpot emulator contact')
    .argument('<contact-id>', 'the contact').argument('<company-id>', 'the company')
    .option('--json', 'print the contact as JSON')
    .action(async (contactId: string, companyId: string, opts: { json?: boolean }) => {
      const answer = await command('PUT', `/__emulator/records/contacts/${encodeURIComponent(contactId)}/company/${encodeURIComponent(companyId)}`);
      report(opts.json, answer, `HubSpot contact ${contactId} now at company ${companyId}`);
    });
  emulator
    .command('webhooks')
    .description('Where the HubSpot emulator delivers webhooks, and its delivery faults; without options, shows its delivery counts')
    .option('--target <url>', 'the webhook target, e.g. http://127.0.0.1:3000/v1/webhooks/hubspot/hubspot')
    .option('--secret <secret>', 'the app client secret that signs them')
    .option('--duplicate-every <n>', 'deliver every Nth event twice (0: never)', (v) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--duplicate-every expects a whole number, got "${v}"`);
      return Number(v);
    })
    .option('--reverse-order', 'list each request\'s events newest first')
    .option('--in-order', 'list them oldest first (the default)')
    .option('--json', 'print as JSON')
    .action(async (opts: { target?: string; secret?: string; duplicateEvery?: number; reverseOrder?: boolean; inOrder?: boolean; json?: boolean }) => {
      const settings = {
        ...(opts.target ? { targetUrl: opts.target } : {}), ...(opts.secret ? { clientSecret: opts.secret } : {}),
        ...(opts.duplicateEvery !== undefined ? { duplicateEvery: opts.duplicateEvery } : {}),
        ...(opts.reverseOrder ? { reverseOrder: true } : opts.inOrder ? { reverseOrder: false } : {}),
      };
      if (Object.keys(settings).length > 0) await command('PUT', '/__emulator/webhooks', settings);
      const stats = (await command('GET', '/__emulator/stats')).webhooks as Record<string, number>;
      report(opts.json, stats, `HubSpot emulator webhooks: ${stats.delivered} events delivered in ${stats.requests} requests, ${stats.failedAttempts} failed attempts (retried), ${stats.dropped} given up, ${stats.pending} pending`);
    });
}

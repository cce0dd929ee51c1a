// `vipsync emulator salesforce create|edit|delete`: change a record in the dev stack's Salesforce
// emulator through its REST API, as a user of the org would, so a demo can watch the change arrive
// through Change Data Capture (the worker's subscriber) within seconds.
import type { Command } from 'commander';
import { DEV_CLIENT } from '../../crm/salesforce/emulator.js';
import { readDevState } from '../dev/state.js';
import { printJson, progress, UsageError } from '../output.js';

const OBJECTS = ['Contact', 'Account'] as const;
const API_VERSION = 'v59.0';

async function emulatorUrl(): Promise<string> {
  const state = await readDevState();
  const url = state?.status === 'ready' ? state.emulators?.salesforce : undefined;
  if (!url) throw new UsageError('the dev stack is not running (or has no Salesforce emulator): start it with `vipsync dev up`');
  return url;
}

function objectName(name: string): (typeof OBJECTS)[number] {
  const found = OBJECTS.find((o) => o.toLowerCase() === name.toLowerCase());
  if (!found) throw new UsageError(`unknown object "${name}": use Contact or Account`);
  return found;
}

/** "Title=VP Sales" "VIP_Level__c=5" "Email=null" -> a JSON body; true/false/null are JSON, the rest text. */
export function fieldValues(pairs: string[]): Record<string, unknown> {
  if (pairs.length === 0) throw new UsageError('give at least one Field=Value, e.g. Title="VP Sales" VIP_Level__c=5');
  const body: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`"${pair}" is not Field=Value (e.g. Title="VP Sales")`);
    const value = pair.slice(at + 1);
    body[pair.slice(0, at)] = value === 'null' ? null : value === 'true' ? true : value === 'false' ? false : value;
  }
  return body;
}

/** One call of the emulator's REST API with a token from its OAuth endpoint (the dev connected app). */
async function callSalesforce(method: string, path: string, body?: unknown): Promise<unknown> {
  const url = await emulatorUrl();
  const tokenResponse = await fetch(new URL('/services/oauth2/token', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEV_CLIENT.clientId, client_secret: DEV_CLIENT.clientSecret }),
  });
  if (!tokenResponse.ok) throw new Error(`the Salesforce emulator at ${url} refused the dev credentials: ${await tokenResponse.text()}`);
  const token = (await tokenResponse.json()) as { access_token: string; instance_url: string };
  const response = await fetch(new URL(`/services/data/${API_VERSION}/${path}`, token.instance_url), {
    method,
    headers: { authorization: `Bearer ${token.access_token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    const errors = (() => {
      try {
        return (JSON.parse(text) as { errorCode: string; message: string }[]).map((e) => `${e.errorCode}: ${e.message}`).join('; ');
      } catch {
        return text;
      }
    })();
    throw new UsageError(`Salesforce refused ${method} ${path}: ${errors}`);
  }
  return text ? JSON.parse(text) : null;
}

export function registerSalesforceEmulatorCommands(emulator: Command): void {
  const salesforce = emulator
    .command('salesforce')
    .description('Create, edit or delete a record in the dev stack\'s Salesforce emulator (each is a Change Data Capture event)');
  salesforce
    .command('create')
    .description('Create a record, e.g. `vipsync emulator salesforce create Contact Email=ada@acme.com LastName=Lovelace VIP_Level__c=5`')
    .argument('<object>', 'Contact or Account')
    .argument('<fields...>', 'Field=Value pairs (true, false and null are JSON; anything else is text)')
    .option('--json', 'print the REST API\'s answer as JSON')
    .action(async (object: string, pairs: string[], opts: { json?: boolean }) => {
      const type = objectName(object);
      const answer = (await callSalesforce('POST', `sobjects/${type}`, fieldValues(pairs))) as { id: string };
      if (opts.json) printJson(answer);
      else progress(`created ${type} ${answer.id}`);
    });
  salesforce
    .command('edit')
    .description('Change fields of a record, e.g. `vipsync emulator salesforce edit Contact 003000000000001AAA VIP_Level__c=5`')
    .argument('<object>', 'Contact or Account')
    .argument('<id>', 'the record id')
    .argument('<fields...>', 'Field=Value pairs (true, false and null are JSON; anything else is text)')
    .option('--json', 'print the result as JSON')
    .action(async (object: string, id: string, pairs: string[], opts: { json?: boolean }) => {
      const type = objectName(object);
      const fields = fieldValues(pairs);
      await callSalesforce('PATCH', `sobjects/${type}/${encodeURIComponent(id)}`, fields);
      if (opts.json) printJson({ object: type, id, updated: Object.keys(fields) });
      else progress(`updated ${type} ${id}: ${Object.keys(fields).join(', ')}`);
    });
  salesforce
    .command('delete')
    .description('Delete a record (to the recycle bin), e.g. `vipsync emulator salesforce delete Contact 003000000000001AAA`')
    .argument('<object>', 'Contact or Account')
    .argument('<id>', 'the record id')
    .option('--json', 'print the result as JSON')
    .action(async (object: string, id: string, opts: { json?: boolean }) => {
      const type = objectName(object);
      await callSalesforce('DELETE', `sobjects/${type}/${encodeURIComponent(id)}`);
      if (opts.json) printJson({ object: type, id, deleted: true });
      else progress(`deleted ${type} ${id}`);
    });
}

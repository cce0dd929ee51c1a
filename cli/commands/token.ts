// `vipsync token ...`: bearer tokens for the HTTP API and MCP over HTTP.
import type { Command } from 'commander';
import { osActor } from '../../db/audit-log.js';
import { createToken, listTokens, revokeToken, SCOPE_MEANINGS, SCOPES } from '../../admin/tokens.js';
import { printJson, printTable, progress } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerToken(program: Command): void {
  const token = program.command('token').description(COMMAND_DESCRIPTIONS.token);

  token
    .command('create')
    .description(`Create a token; its secret is printed once. Scopes: ${SCOPES.map((s) => `${s} (${SCOPE_MEANINGS[s]})`).join('; ')}`)
    .argument('<name>', 'who or what uses it, e.g. support-bot')
    .requiredOption('--scope <scope>', `repeatable: ${SCOPES.join(', ')}`, collect)
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { scope: string[]; json?: boolean }) => {
      const created = await withDb((db) => createToken(db, { name, scopes: opts.scope }, osActor()));
      if (opts.json) return printJson(created);
      process.stdout.write(`${created.token}\n`);
      progress(`token "${created.name}" created with scopes ${created.scopes.join(', ')}; store the secret above now, it is not shown again`);
    });

  token
    .command('list')
    .description('Tokens, their scopes and when they were last used (never their secrets)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const tokens = await withDb((db) => listTokens(db, osActor()));
      if (opts.json) return printJson(tokens);
      printTable(tokens.map((t) => ({ name: t.name, scopes: t.scopes.join(','), created: t.createdAt, lastUsed: t.lastUsedAt, revoked: t.revokedAt })));
    });

  token
    .command('revoke')
    .description('Revoke a token: it stops working at once on every server')
    .argument('<name>')
    .action(async (name: string) => {
      await withDb((db) => revokeToken(db, name, osActor()));
      progress(`token "${name}" revoked`);
    });
}

// `vipsync groups ...`: VIP groups, their handling and admins' memberships. Same functions as the
// HTTP API's /v1/groups (admin/vip-groups.ts).
import type { Command } from 'commander';
import { osActor } from '../../db/audit-log.js';
import {
  addGroup, addGroupMembers, deleteGroup, editGroup, listGroupMembers, listGroups, removeGroupMembers, type GroupView,
} from '../../admin/vip-groups.js';
import { PRIORITIES } from '../../vip/groups.js';
import { confirm, printJson, printTable, progress, terminalText as t } from '../output.js';
import { withDb } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

function describeGroup(g: GroupView): string {
  return [
    `${t(g.name)}: ${g.priority}, answer within ${g.responseTimeMinutes} min${g.escalationTeam ? `, route to ${t(g.escalationTeam)}` : ''}`,
    `  guidance: ${t(g.guidance ?? '-')}`,
    `  members:  ${g.members.manual} by hand, ${g.members.csv} by CSV, ${g.members.crm} by the rules from CRM facts`,
  ].join('\n');
}

interface HandlingOptions {
  priority?: string;
  responseMinutes?: string;
  team?: string | false;
  guidance?: string;
  json?: boolean;
}

/** Options as the admin functions take them: "" (or --no-team) clears the team or the guidance. */
function handlingOf(opts: HandlingOptions) {
  return {
    priority: opts.priority,
    responseTimeMinutes: opts.responseMinutes,
    escalationTeam: opts.team === false || opts.team === '' ? null : opts.team,
    guidance: opts.guidance === '' ? null : opts.guidance,
  };
}

const handlingOptions = (cmd: Command) =>
  cmd
    .option('--team <team>', 'the escalation team to route to (omit for the usual queue)')
    .option('--guidance <text>', 'one sentence for the person or agent answering, at most 500 characters')
    .option('--json', 'print the group as JSON');

export function registerGroups(program: Command): void {
  const groups = program.command('groups').description(COMMAND_DESCRIPTIONS.groups);

  groups
    .command('list')
    .description('The groups with their handling and member counts; groups the rules give people that no one defined')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const result = await withDb((db) => listGroups(db, osActor()));
      if (opts.json) return printJson(result);
      printTable(result.groups.map((g) => ({
        group: g.name, priority: g.priority, within: `${g.responseTimeMinutes} min`, team: g.escalationTeam,
        manual: g.members.manual, csv: g.members.csv, crm: g.members.crm,
      })));
      for (const u of result.undefinedCrmGroups) {
        progress(`the rules put ${u.members} people in group "${u.group}", which is not defined: it gives no handling (define it with vipsync groups add)`);
      }
    });

  handlingOptions(
    groups
      .command('add')
      .description('Define a group and its handling')
      .argument('<name>', 'letters, digits, spaces and - _ . & \' ( ) +; at most 64 characters')
      .requiredOption('--priority <priority>', PRIORITIES.join(', '))
      .requiredOption('--response-minutes <n>', 'target for the first response, 1-10080'),
  ).action(async (name: string, opts: HandlingOptions) => {
    const group = await withDb((db) => addGroup(db, { name, ...handlingOf(opts) }, osActor()));
    if (opts.json) printJson(group);
    else process.stdout.write(`added group\n${describeGroup(group)}\n`);
  });

  handlingOptions(
    groups
      .command('edit')
      .description("Change a group's handling (\"\" clears --team or --guidance)")
      .argument('<name>')
      .option('--priority <priority>', PRIORITIES.join(', '))
      .option('--response-minutes <n>', 'target for the first response, 1-10080')
      .option('--no-team', 'route to the usual queue'),
  ).action(async (name: string, opts: HandlingOptions) => {
    // --team given before --no-team: commander leaves team undefined unless one of them is used.
    const group = await withDb((db) => editGroup(db, name, handlingOf(opts), osActor()));
    if (opts.json) printJson(group);
    else process.stdout.write(`${describeGroup(group)}\n`);
  });

  groups
    .command('delete')
    .description("Delete a group and admins' memberships of it (asks unless --yes)")
    .argument('<name>')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes) {
        if (!(await confirm('delete', `Delete group "${name}" and every admin's membership of it?`))) {
          progress('nothing deleted');
          return;
        }
      }
      const result = await withDb((db) => deleteGroup(db, name, osActor()));
      if (opts.json) return printJson(result);
      process.stdout.write(`deleted group ${t(result.name)} (${result.membersRemoved} memberships set by admins removed)\n`);
      if (result.crmMembers > 0) progress(`the rules still put ${result.crmMembers} people in it from CRM facts: it gives them no handling until it is defined again`);
    });

  groups
    .command('members')
    .description("Everyone in a group: admins' memberships and the rules' (source crm)")
    .argument('<name>')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const result = await withDb((db) => listGroupMembers(db, name, osActor()));
      if (opts.json) return printJson(result);
      printTable(result.members.map((m) => ({ email: m.email, name: m.name, level: m.level, source: m.source, reason: m.reason })));
    });

  groups
    .command('add-member')
    .description('Put people in a group by hand (kept through every sync); people not on the list are added without a level')
    .argument('<name>')
    .argument('<emails...>')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, emails: string[], opts: { json?: boolean }) => {
      const result = await withDb((db) => addGroupMembers(db, name, emails, osActor()));
      if (opts.json) return printJson(result);
      for (const e of result.added) process.stdout.write(`added ${t(e)} to ${t(result.group)}${result.created.includes(e) ? ' (new on the list, no level)' : ''}\n`);
      for (const e of result.alreadyMembers) progress(`already a member: ${e}`);
    });

  groups
    .command('remove-member')
    .description("Take admins' memberships away (a membership the rules derive from CRM facts follows the CRM)")
    .argument('<name>')
    .argument('<emails...>')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, emails: string[], opts: { json?: boolean }) => {
      const result = await withDb((db) => removeGroupMembers(db, name, emails, osActor()));
      if (opts.json) printJson(result);
      else {
        for (const e of result.removed) process.stdout.write(`removed ${t(e)} from ${t(result.group)}\n`);
        for (const e of result.notMembers) progress(`not a member: ${e}`);
        for (const e of result.stillByCrm) progress(`still in ${result.group} by the rules from CRM facts: ${e} (change it in the CRM)`);
      }
      if (result.notMembers.length > 0) process.exitCode = 1;
    });
}

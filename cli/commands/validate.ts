// `vipsync validate EMAIL`: checks one email live against every connected CRM (not the last sync)
// through the worker's validateEmailWorkflow, which also updates the person's record.
import type { Command } from 'commander';
import { normalizeEmail } from '../../vip/email.js';
import { VALIDATE_WORKFLOW_TYPE, validateWorkflowId, type EmailValidationResult } from '../../workflows/contract.js';
import { printJson, UsageError } from '../output.js';
import { withTemporal } from '../targets.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

export function describeValidation(r: EmailValidationResult): string {
  const head = r.validated
    ? `${r.email}: validated by ${r.validatedBy.join(', ')}${r.wasValidated ? '' : ' (newly)'}`
    : `${r.email}: not validated: no connected CRM holds a live contact with this email${r.wasValidated ? ' (it was validated before)' : ''}`;
  const lines = [head];
  for (const c of r.checks) {
    lines.push(`  ${c.connectionId} (${c.system}): ${c.error ? `could not ask (${c.error}); its previous answer is kept` : c.crmIds.length ? `contact ${c.crmIds.join(', ')}` : 'no live contact'}`);
  }
  if (r.known) lines.push(`  level: ${r.level ?? 'not a VIP'}${r.stale ? `, stale (${r.staleReason})` : ''}`);
  else lines.push('  not in the VIP list');
  return lines.join('\n');
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(COMMAND_DESCRIPTIONS.validate)
    .argument('<email>', 'the email to validate')
    .option('--json', 'print the result as JSON')
    .action(async (raw: string, opts: { json?: boolean }) => {
      const check = normalizeEmail(raw);
      if (!check.ok) throw new UsageError(`cannot validate: ${check.reason}`);
      const result = await withTemporal((client, targets) =>
        client.workflow.execute(VALIDATE_WORKFLOW_TYPE, {
          taskQueue: targets.syncTaskQueue,
          workflowId: validateWorkflowId(check.email),
          // Two people validating the same email at once share one run.
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowExecutionTimeout: '1 minute',
          args: [check.email],
        }) as Promise<EmailValidationResult>,
      );
      if (opts.json) printJson(result);
      else process.stdout.write(`${describeValidation(result)}\n`);
    });
}

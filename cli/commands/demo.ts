import type { Command } from 'commander';
import { DEFAULT_DEMO_CONTACTS } from './dev.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(COMMAND_DESCRIPTIONS.demo)
    .option('--contacts <n>', 'how many demo contacts to generate', String(DEFAULT_DEMO_CONTACTS))
    .option('--keep', 'keep the stack (and the VIP console it serves) running after the demo, until Ctrl-C')
    .action(async (opts: { contacts: string; keep?: boolean }) => {
      // The stack pulls in everything; loaded only when the demo runs.
      const { runDemo } = await import('../dev/demo.js');
      await runDemo(opts);
    });
}

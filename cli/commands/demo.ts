import type { Command } from 'commander';
import { DEFAULT_DEMO_CONTACTS } from './dev.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Start the embedded stack with demo data, sync both CRMs, show the VIP list and some lookups, stop (the worker\'s log: .vipsync/demo.log)')
    .option('--contacts <n>', 'how many demo contacts to generate', String(DEFAULT_DEMO_CONTACTS))
    .action(async (opts: { contacts: string }) => {
      // The stack pulls in everything; loaded only when the demo runs.
      const { runDemo } = await import('../dev/demo.js');
      await runDemo(opts);
    });
}

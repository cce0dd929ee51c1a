import type { Command } from 'commander';
import { providerFor } from '../../crm/registry.js';
import { loadFixtureFile } from '../../emulators/fixture.js';
import { readDevState } from '../dev/state.js';
import { progress, UsageError } from '../output.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';
import { registerSalesforceEmulatorCommands } from './emulator-salesforce.js';
import { registerEmulatorRecordCommands } from './emulator-records.js';

async function putData(url: string, body: unknown): Promise<void> {
  const response = await fetch(new URL('/__emulator/data', url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator at ${url} refused the data: ${response.status} ${await response.text()}`);
}

export function registerEmulator(program: Command): void {
  const emulator = program.command('emulator').description(COMMAND_DESCRIPTIONS.emulator);
  emulator
    .command('load')
    .description('Replace the running emulators\' data with a fixture file (simulates CRM changes)')
    .argument('<file>', 'fixture JSON, a section per CRM: {"hubspot": {"companies": [...], "contacts": [...]}, "salesforce": {"Account": [...], "Contact": [...]}}')
    .action(async (file: string) => {
      const state = await readDevState();
      if (state?.status !== 'ready' || !state.emulators) {
        throw new UsageError('the dev stack is not running: start it with `vipsync dev up`');
      }
      let fixture;
      try {
        fixture = await loadFixtureFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`fixture file not found: ${file}`);
        throw new UsageError((error as Error).message);
      }
      const loaded: string[] = [];
      for (const [system, url] of Object.entries(state.emulators)) {
        const section = (fixture as unknown as Record<string, unknown>)[system];
        await putData(url, section);
        const provider = providerFor(system);
        loaded.push(`${provider.label} ${provider.emulator?.describe(section) ?? ''}`.trim());
      }
      progress(`loaded ${file}: ${loaded.join('; ')}`);
    });
  registerSalesforceEmulatorCommands(emulator);
  registerEmulatorRecordCommands(emulator);
}

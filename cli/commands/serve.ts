// `vipsync serve` (HTTP API + MCP over streamable HTTP) and `vipsync mcp` (MCP over stdio).
import type { Command } from 'commander';
import { createAuditWriter, osActor } from '../../db/audit-log.js';
import { createDb } from '../../db/client.js';
import { createLookupService } from '../../lookup/service.js';
import { loadLookupConfig } from '../../lookup/config.js';
import { progress, UsageError } from '../output.js';
import { resolveTargets } from '../targets.js';
import { readDevState } from '../dev/state.js';
import { COMMAND_DESCRIPTIONS } from '../command-descriptions.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be 0-65535, got "${value}"`);
  return n;
}

function processes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--processes must be 1-64, got "${value}"`);
  return n;
}

interface ServeOptions {
  port?: number;
  host?: string;
  cache: boolean;
  logRequests?: boolean;
}

/**
 * The connections whose webhooks this server receives: the environment's (VIPSYNC_CONNECTIONS,
 * HUBSPOT_ACCESS_TOKEN ...), else those of the running dev stack (its emulators, push on).
 */
async function webhookConnections() {
  const { loadConnections } = await import('../../config/environment.js');
  const configured = loadConnections();
  if (configured.length > 0) return configured;
  const state = await readDevState();
  if (state?.status !== 'ready' || !state.emulators) return [];
  const { connectionConfig, providerFor } = await import('../../crm/registry.js');
  return Object.entries(state.emulators).flatMap(([system, url]) => {
    const dev = providerFor(system).emulator?.devConnection(url);
    return dev ? [connectionConfig.parse(dev)] : [];
  });
}

/** One server; `join` (in a `--processes` worker) links it to the other processes instead of printing. */
async function serveInThisProcess(opts: ServeOptions, join?: typeof import('../../server/cluster.js').joinServeCluster): Promise<void> {
  const targets = await resolveTargets();
  // Loaded here, not at start: every other command would pay for fastify and the MCP SDK.
  const { startApiServer } = await import('../../server/main.js');
  let member: { afterWrite: () => Promise<void> } | undefined;
  const server = await startApiServer({
    ...targets,
    connections: await webhookConnections(),
    port: opts.port ?? port(process.env.VIPSYNC_HTTP_PORT ?? '3000'),
    host: opts.host ?? process.env.VIPSYNC_HTTP_HOST ?? '127.0.0.1',
    lookupConfig: loadLookupConfig(),
    cache: opts.cache,
    requestLog: opts.logRequests,
    afterWrite: () => member?.afterWrite() ?? Promise.resolve(),
  });
  if (join) member = join(server.url, () => server.lookup.invalidate());
  else progress(`vipsync API listening on ${server.url} (OpenAPI: ${server.url}/openapi.json, MCP: ${server.url}/mcp); Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  if (!join) progress('stopping (writing the last audit entries) ...');
  await server.close();
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(COMMAND_DESCRIPTIONS.serve)
    .option('--port <n>', 'port (default VIPSYNC_HTTP_PORT or 3000)', port)
    .option('--host <host>', 'interface to listen on (default VIPSYNC_HTTP_HOST or 127.0.0.1; 0.0.0.0 for all)')
    .option('--no-cache', 'read every lookup from the database')
    .option('--log-requests', 'log every request')
    .option('--processes <n>', 'server processes sharing the port, e.g. one per core (default VIPSYNC_HTTP_PROCESSES or 1)', processes)
    .action(async (opts: ServeOptions & { processes?: number }) => {
      const count = opts.processes ?? processes(process.env.VIPSYNC_HTTP_PROCESSES ?? '1');
      const { isServeWorker, joinServeCluster, leaveServeCluster, runServePrimary } = await import('../../server/cluster.js');
      if (count > 1 && !isServeWorker()) {
        await runServePrimary(
          count,
          (url) => progress(`vipsync API listening on ${url} (${count} processes; OpenAPI: ${url}/openapi.json, MCP: ${url}/mcp); Ctrl-C stops`),
          () => progress('stopping (each process writes its last audit entries) ...'),
        );
        return;
      }
      try {
        await serveInThisProcess(opts, isServeWorker() ? joinServeCluster : undefined);
      } finally {
        if (isServeWorker()) leaveServeCluster();
      }
    });

  program
    .command('mcp')
    .description(COMMAND_DESCRIPTIONS.mcp)
    .option('--no-notes', 'leave notes and contact notes out of answers')
    .action(async (opts: { notes: boolean }) => {
      const targets = await resolveTargets();
      const { runMcpStdio } = await import('../../server/mcp.js');
      const db = createDb(targets.databaseUrl, { maxConnections: 2 });
      const audit = createAuditWriter(db);
      try {
        const lookup = createLookupService({ db, audit, config: loadLookupConfig() });
        await runMcpStdio({ lookup, actor: osActor('mcp'), includeNotes: opts.notes });
      } finally {
        await audit.close();
        await db.$disconnect();
      }
    });
}

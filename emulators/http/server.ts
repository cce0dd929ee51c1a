// What both emulators' fastify instances have in common: loopback by default, room for big fixtures,
// connections that do not keep close() waiting, and the unauthenticated admin routes.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FaultSpec } from './faults.js';

/** Large demo fixtures are PUT in one request. */
const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024 * 1024;

export function createEmulatorServer(): FastifyInstance {
  return Fastify({
    logger: false,
    bodyLimit: ADMIN_BODY_LIMIT_BYTES,
    // SDKs keep connections alive; tests must not hang in close() waiting for them.
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
}

export async function listen(app: FastifyInstance, host = '127.0.0.1', port = 0): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  // An emulator told to listen on every interface is still reached through loopback by local clients.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${urlHost}:${address.port}`;
}

export interface AdminHooks {
  /** Replaces the emulator's data with the request body (that CRM's part of a fixture). */
  load(body: unknown): void;
  stats(): object;
  /** More admin routes of one emulator (behind the same loopback guard). */
  routes?(admin: FastifyInstance): void;
}

/**
 * Admin routes carry no auth, so they only answer clients on this machine even when the emulator
 * itself listens on every interface (e.g. inside a container).
 */
export function registerAdminRoutes(app: FastifyInstance, hooks: AdminHooks, opts: { allowRemoteAdmin?: boolean } = {}): void {
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request, reply) => {
      if (!opts.allowRemoteAdmin && !isLoopback(request.socket.remoteAddress)) {
        return reply.code(403).send({ error: 'emulator admin routes only answer loopback clients' });
      }
    });
    admin.put('/__emulator/data', async (request, reply) => {
      try {
        hooks.load(request.body);
      } catch (error) {
        return reply.code(400).send({ error: (error as Error).message });
      }
      return { status: 'loaded', stats: hooks.stats() };
    });
    admin.get('/__emulator/health', async () => ({ status: 'ok' }));
    admin.get('/__emulator/stats', async () => hooks.stats());
    hooks.routes?.(admin);
  });
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || !!address?.startsWith('127.');
}

/** What both emulators offer a test or the dev stack, whatever CRM they play. */
export interface CrmEmulator<Data, Stats> {
  url: string;
  /** Replaces the CRM's data (records that changed get a new modification time, as in the CRM). */
  load(data: Data): void;
  close(): Promise<void>;
  stats(): Stats;
  /** Makes the next data requests fail; replaces any faults still pending. */
  faults(spec: FaultSpec): void;
}

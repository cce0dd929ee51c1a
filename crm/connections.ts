// The CRM connections of one worker: each connection's configuration and its one client. A client
// holds the connection's pacers and API budget, so every activity that calls a CRM (the sync's
// walks, on-demand validation) must share it: two clients of one connection would each pace
// themselves under the whole limit and together run into 429s.
import { ApplicationFailure } from '@temporalio/activity';
import { createCrmClient, type ConnectionConfig } from './registry.js';
import type { CrmClient } from './types.js';

export class CrmConnections {
  private readonly configs: Map<string, ConnectionConfig>;
  private readonly clients = new Map<string, Promise<CrmClient>>();

  constructor(
    configs: ConnectionConfig[],
    /** Builds a connection's client; tests may hand in their own. */
    private readonly build: (config: ConnectionConfig) => CrmClient | Promise<CrmClient> = createCrmClient,
  ) {
    this.configs = new Map(configs.map((c) => [c.id, c]));
  }

  /** The configured connections, in id order. */
  list(): ConnectionConfig[] {
    return [...this.configs.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  config(connectionId: string): ConnectionConfig {
    const config = this.configs.get(connectionId);
    if (!config) {
      throw ApplicationFailure.nonRetryable(
        `connection "${connectionId}" is not configured on this worker; configured: ${[...this.configs.keys()].join(', ') || 'none'}`,
        'UnknownConnection',
      );
    }
    return config;
  }

  /** The connection's client, built on first use and shared by every later caller. */
  client(connectionId: string): Promise<CrmClient> {
    let client = this.clients.get(connectionId);
    if (!client) {
      const config = this.config(connectionId);
      client = Promise.resolve().then(() => this.build(config));
      // A client that could not be made (its SDK failed to load) is tried again next time.
      client.catch(() => this.clients.delete(connectionId));
      this.clients.set(connectionId, client);
    }
    return client;
  }
}

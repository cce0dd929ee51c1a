// The CRM connections of one worker: each connection's configuration and its one client. A client
// holds the connection's pacers and API budget, so every activity that calls a CRM (the sync's
// walks, on-demand validation) must share it: two clients of one connection would each pace
// themselves under the whole limit and together run into 429s.
import { ApplicationFailure } from '@temporalio/activity';
import type { ConnectionConfig } from '../runtime/config.js';
import { createCrmClient } from './registry.js';
import type { CrmClient } from './types.js';

export class CrmConnections {
  private readonly configs: Map<string, ConnectionConfig>;
  private readonly clients = new Map<string, CrmClient>();

  constructor(
    configs: ConnectionConfig[],
    /** Builds a connection's client; tests may hand in their own. */
    private readonly build: (config: ConnectionConfig) => CrmClient = createCrmClient,
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
  client(connectionId: string): CrmClient {
    let client = this.clients.get(connectionId);
    if (!client) {
      client = this.build(this.config(connectionId));
      this.clients.set(connectionId, client);
    }
    return client;
  }
}

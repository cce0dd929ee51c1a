// Keeps crm_connections in step with the worker's configuration.
import type { ConnectionConfig } from '../crm/registry.js';
import { connectionBaseUrl } from '../crm/registry.js';
import type { Db } from '../db/client.js';

export async function registerConnections(db: Db, configs: ConnectionConfig[]): Promise<void> {
  for (const config of configs) {
    const fields = {
      system: config.system,
      displayName: config.displayName ?? config.id,
      baseUrl: connectionBaseUrl(config),
      intervalSeconds: config.intervalSeconds,
      enabled: true,
    };
    await db.crmConnection.upsert({ where: { id: config.id }, create: { id: config.id, ...fields }, update: fields });
  }
}

// Which client serves which CRM. The only place that knows every CRM by name.
import type { ConnectionConfig } from '../runtime/config.js';
import { createHubSpotClient } from './hubspot/client.js';
import { createSalesforceClient } from './salesforce/client.js';
import type { CrmClient } from './types.js';

export function createCrmClient(config: ConnectionConfig): CrmClient {
  switch (config.system) {
    case 'hubspot':
      return createHubSpotClient(config);
    case 'salesforce':
      return createSalesforceClient(config);
  }
}

/** The URL a connection talks to, as recorded in crm_connections. */
export function connectionBaseUrl(config: ConnectionConfig): string {
  return config.system === 'hubspot' ? config.baseUrl : config.loginUrl;
}

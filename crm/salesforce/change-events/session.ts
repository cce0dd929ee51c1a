// The credentials every Pub/Sub API call carries as metadata: the access token, the instance URL and
// the org id ("Authentication", Pub/Sub API guide: accesstoken, instanceurl, tenantid). Obtained with
// the connection's OAuth client credentials through jsforce, like the REST client's.
import * as grpc from '@grpc/grpc-js';
import jsforce from 'jsforce';
import type { SalesforceConnectionConfig } from '../config.js';

export interface PubSubSession {
  accessToken: string;
  instanceUrl: string;
  /** The org id. */
  tenantId: string;
}

/** The current session; `fresh` asks for a new token (the last one was refused). */
export type SessionSource = (opts?: { fresh?: boolean }) => Promise<PubSubSession>;

export class SessionError extends Error {}

export function sessionMetadata(session: PubSubSession): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('accesstoken', session.accessToken);
  metadata.set('instanceurl', session.instanceUrl);
  metadata.set('tenantid', session.tenantId);
  return metadata;
}

/** "https://x.my.salesforce.com/id/00D.../005..." -> the org id. */
export function orgIdFromIdentityUrl(identityUrl: string): string | null {
  const match = /\/id\/([a-zA-Z0-9]{15,18})\/[a-zA-Z0-9]{15,18}\/?$/.exec(identityUrl);
  return match ? match[1]! : null;
}

export function clientCredentialsSession(config: SalesforceConnectionConfig): SessionSource {
  const oauth2 = new jsforce.OAuth2({ clientId: config.clientId, clientSecret: config.clientSecret, loginUrl: config.loginUrl });
  let current: Promise<PubSubSession> | null = null;
  const request = async (): Promise<PubSubSession> => {
    let token: { access_token: string; instance_url: string; id: string };
    try {
      token = (await oauth2.requestToken({ grant_type: 'client_credentials' })) as typeof token;
    } catch (error) {
      const e = error as { name?: string; errorCode?: string; message?: string };
      const code = e.errorCode ?? e.name ?? '';
      if (/^(invalid_client|invalid_client_id|invalid_grant|unsupported_grant_type)$/.test(code)) {
        throw new SessionError(`Salesforce refused the client credentials of connection "${config.id}" (${code}: ${e.message}); ` +
          'check the connected app\'s consumer key and secret and that the client credentials flow is enabled with a run-as user');
      }
      throw error;
    }
    const tenantId = orgIdFromIdentityUrl(token.id);
    if (!tenantId) throw new SessionError(`the token response of connection "${config.id}" names no org id (id: ${token.id})`);
    return { accessToken: token.access_token, instanceUrl: token.instance_url.replace(/\/$/, ''), tenantId };
  };
  return async (opts = {}) => {
    if (opts.fresh || !current) {
      current = request();
      current.catch(() => (current = null));
    }
    return current;
  };
}

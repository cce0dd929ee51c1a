// The OAuth2 token endpoint's side of the emulator: issuing client-credentials tokens and deciding
// whether a bearer token is still good.
import { createHmac, randomBytes } from 'node:crypto';

export const ORG_ID = '00D5g000004EmuLEAS';
export const USER_ID = '0055g00000EmuLaAAB';

export interface TokenResponse {
  access_token: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
  signature: string;
  scope: string;
}

export type OAuthErrorBody = { error: string; error_description: string };

export class TokenIssuer {
  // token -> expiry time (epoch ms; Infinity = never)
  private readonly tokens = new Map<string, number>();

  constructor(
    private readonly client: { clientId: string; clientSecret: string },
    private readonly ttlSeconds: number | undefined,
  ) {}

  /** Handles one form-encoded token request; returns the JSON body and its status. */
  grant(form: Record<string, string | undefined>, instanceUrl: string): { status: number; body: TokenResponse | OAuthErrorBody } {
    if (form.grant_type !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } };
    }
    if (form.client_id !== this.client.clientId || form.client_secret !== this.client.clientSecret) {
      return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
    }
    const accessToken = `${ORG_ID.slice(0, 15)}!${randomBytes(36).toString('base64url')}`;
    const issuedAt = Date.now();
    this.tokens.set(accessToken, this.ttlSeconds === undefined ? Number.POSITIVE_INFINITY : issuedAt + this.ttlSeconds * 1000);
    const id = `${instanceUrl}/id/${ORG_ID}/${USER_ID}`;
    const body: TokenResponse = {
      access_token: accessToken,
      instance_url: instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: String(issuedAt),
      // Salesforce signs id + issued_at with the client secret so clients can check the response.
      signature: createHmac('sha256', this.client.clientSecret).update(id + issuedAt).digest('base64'),
      scope: 'api',
    };
    return { status: 200, body };
  }

  isValid(authorization: string | undefined, now = Date.now()): boolean {
    const match = /^(?:Bearer|OAuth) (.+)$/.exec(authorization ?? '');
    const expiresAt = match ? this.tokens.get(match[1]!) : undefined;
    return expiresAt !== undefined && now < expiresAt;
  }

  /** Every token issued so far stops working, as when an admin revokes sessions. */
  expireAll(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }
}

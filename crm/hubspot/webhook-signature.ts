// HubSpot's v3 request signature, checked with the official SDK's helper (@hubspot/api-client
// `Signature.isValid`, signatureVersion 'v3'): base64(HMAC-SHA256(client secret, method + URI +
// body + timestamp)) in X-HubSpot-Signature-v3, the time in X-HubSpot-Request-Timestamp (epoch
// ms), and a request older than 5 minutes refused
// (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation).
// What the helper (13.x) leaves to its caller, done here: a timestamp that is not a number passes
// its age check (NaN compares false), so it is refused first; it throws, rather than answering
// false, for a stale one; and it allows any time in the future, so more than 5 minutes ahead (a
// clock far off, or a replay prepared in advance) is refused too.
import { Signature } from '@hubspot/api-client';

/** HubSpot's limit on a request's age, as the helper applies it (Signature.MAX_ALLOWED_TIMESTAMP). */
export const MAX_REQUEST_AGE_MS = 5 * 60_000;

export type SignatureVerdict = { ok: true } | { ok: false; reason: string };

export interface SignedRequest {
  method: string;
  /** The full URL HubSpot posted to (scheme, host, path, query), as configured in the app. */
  url: string;
  /** The raw body, exactly as received. */
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
}

export function verifyHubSpotSignature(request: SignedRequest, clientSecret: string, now = Date.now()): SignatureVerdict {
  if (!request.signature) return { ok: false, reason: 'no X-HubSpot-Signature-v3 header' };
  if (!request.timestamp || !/^\d{1,16}$/.test(request.timestamp)) return { ok: false, reason: 'no or malformed X-HubSpot-Request-Timestamp header' };
  const timestamp = Number(request.timestamp);
  if (timestamp - now > MAX_REQUEST_AGE_MS) return { ok: false, reason: `timestamp is ${Math.round((timestamp - now) / 1000)} s in the future` };
  try {
    const valid = Signature.isValid({
      signatureVersion: 'v3', method: request.method, url: request.url, requestBody: request.body,
      timestamp, signature: request.signature, clientSecret,
    });
    return valid ? { ok: true } : { ok: false, reason: 'signature does not match' };
  } catch {
    // The helper throws for a request older than its limit.
    return { ok: false, reason: `timestamp is ${Math.round((now - timestamp) / 1000)} s old (more than ${MAX_REQUEST_AGE_MS / 60_000} minutes)` };
  }
}

/** The v3 signature of a request, as HubSpot makes it (for the emulator and tests). */
export function signHubSpotRequest(request: Omit<SignedRequest, 'signature' | 'timestamp'>, clientSecret: string, timestamp: number): string {
  return Signature.getSignature(request.method, 'v3', { clientSecret, requestBody: request.body, url: request.url, timestamp, signature: '' });
}

// HubSpot's error body. Every field is optional per HubSpot's docs; these are the ones clients branch on.
import { randomUUID } from 'node:crypto';

export type ErrorCategory = 'VALIDATION_ERROR' | 'OBJECT_NOT_FOUND' | 'RATE_LIMITS' | 'INVALID_AUTHENTICATION' | 'INTERNAL_ERROR';

export function hubSpotError(category: ErrorCategory, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export const AUTHENTICATION_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

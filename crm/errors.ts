// Errors a CRM call can end in, sorted by what the caller should do about them.

/** Credentials or configuration are wrong: retrying will not help, a person must fix them. */
export class CrmConfigurationError extends Error {
  override name = 'CrmConfigurationError';
  constructor(readonly connectionId: string, message: string, options?: { cause?: unknown }) {
    super(`connection "${connectionId}": ${message}`, options);
  }
}

/** A transient failure (rate limit, 5xx, network) that outlasted the in-activity retries. */
export class CrmUnavailableError extends Error {
  override name = 'CrmUnavailableError';
  constructor(readonly connectionId: string, message: string, options?: { cause?: unknown }) {
    super(`connection "${connectionId}": ${message}`, options);
  }
}

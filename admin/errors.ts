// What can go wrong in an admin operation, by what the caller should tell the person: each surface
// maps the kind to its own convention (CLI exit code 2, HTTP 400/404/409, MCP isError).
export type AdminErrorKind = 'invalid' | 'not_found' | 'conflict';

export class AdminError extends Error {
  override name = 'AdminError';
  constructor(readonly kind: AdminErrorKind, message: string) {
    super(message);
  }
}

// What a lookup is asked: an email or a phone, exactly one. Every surface (the activity's
// lookupVipBy, GET /v1/lookup, MCP lookup_vip) reads its input through this one rule.

export type LookupQuery = { email: string } | { phone: string };

/** A phone that is not one (lookup/phone.ts says why). Here, not there: importing it loads no phone library. */
export class InvalidPhoneError extends Error {
  override name = 'InvalidPhone';
}

export class InvalidLookupQueryError extends Error {
  override name = 'InvalidLookupQuery';
  constructor(readonly field: 'email' | 'phone' | 'query', message: string) {
    super(message);
  }
}

/** `{email}` or `{phone}` from a caller's input; anything else fails naming the field. */
export function lookupQueryFrom(input: unknown): LookupQuery {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidLookupQueryError('query', 'give the sender as {"email": "..."} or {"phone": "..."}');
  }
  const { email, phone, ...rest } = input as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new InvalidLookupQueryError('query', `unknown field "${unknown[0]}": give either email or phone`);
  if (email !== undefined && phone !== undefined) throw new InvalidLookupQueryError('query', 'give either email or phone, not both');
  if (email !== undefined) {
    if (typeof email !== 'string') throw new InvalidLookupQueryError('email', 'email must be a string');
    return { email };
  }
  if (phone !== undefined) {
    if (typeof phone !== 'string') throw new InvalidLookupQueryError('phone', 'phone must be a string');
    return { phone };
  }
  throw new InvalidLookupQueryError('query', 'give the sender\'s email or phone');
}

/**
 * What a person typed on the command line: an address with "@" is an email; otherwise text with a
 * digit is a phone; anything else is taken as an email (and refused as one, saying why).
 */
export function lookupQueryFromText(text: string): LookupQuery {
  if (!text.includes('@') && /\p{Nd}/u.test(text)) return { phone: text };
  return { email: text };
}

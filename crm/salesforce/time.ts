// Salesforce's datetimes as they arrive in records: "2024-05-20T20:49:32.000+0000".

/** The instant a Salesforce datetime names, or null; JavaScript wants a colon in the offset. */
export function salesforceTime(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? null : date;
}

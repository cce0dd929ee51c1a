// Explicit VIP levels as CRMs hold them (HubSpot `vip_level`, Salesforce `VIP_Level__c`).

export const MIN_VIP_LEVEL = 1;
export const MAX_VIP_LEVEL = 5;

export type ExplicitLevel =
  | { kind: 'level'; level: number }
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string };

/**
 * Reads a CRM's explicit VIP level: 1-5 is a level; empty, null or 0 means "no explicit level";
 * anything else (6, -1, 2.5, "gold") is invalid and must be quarantined, not guessed.
 */
export function parseExplicitVipLevel(raw: unknown): ExplicitLevel {
  if (raw === null || raw === undefined) return { kind: 'none' };
  let value: number;
  if (typeof raw === 'number') {
    value = raw;
  } else if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '') return { kind: 'none' };
    if (!/^[+-]?\d+(?:\.0+)?$/.test(text)) return { kind: 'invalid', reason: `VIP level "${raw}" is not a whole number` };
    value = Number(text);
  } else {
    return { kind: 'invalid', reason: `VIP level ${JSON.stringify(raw)} is not a number` };
  }
  if (!Number.isFinite(value) || !Number.isInteger(value)) {
    return { kind: 'invalid', reason: `VIP level ${String(raw)} is not a whole number` };
  }
  if (value === 0) return { kind: 'none' };
  if (value < MIN_VIP_LEVEL || value > MAX_VIP_LEVEL) {
    return { kind: 'invalid', reason: `VIP level ${value} is outside ${MIN_VIP_LEVEL}-${MAX_VIP_LEVEL}` };
  }
  return { kind: 'level', level: value };
}

// The VIP derivation's settings with their defaults, resolved once when the worker starts (a bad
// rules file stops the worker with the line and field at fault).
import { DEFAULT_PHONE_COUNTRY } from './phone.js';
import { loadRules, type VipRules } from './rules.js';

export const DEFAULT_STALE_GRACE_DAYS = 30;

export interface VipSettingsInput {
  /** VIPSYNC_RULES_FILE; the shipped default-rules.yaml when unset. */
  rulesFile?: string;
  /** VIPSYNC_DEFAULT_COUNTRY: how phone numbers without a +prefix are read. */
  defaultCountry?: string;
  /** VIPSYNC_STALE_GRACE_DAYS: how long a stale VIP keeps their level unless an admin confirms them. */
  staleGraceDays?: number;
}

export interface VipSettings {
  rules: VipRules;
  defaultCountry: string;
  staleGraceDays: number;
}

export function resolveVipSettings(input: VipSettingsInput = {}): VipSettings {
  return {
    rules: loadRules(input.rulesFile),
    defaultCountry: input.defaultCountry ?? DEFAULT_PHONE_COUNTRY,
    staleGraceDays: input.staleGraceDays ?? DEFAULT_STALE_GRACE_DAYS,
  };
}

// The HubSpot records the emulator tests start their portals with: `hubSpotContact` in a fixed pattern
// of VIP levels and company links, `contact` and `company` bare, with the links a test names.
import type { HubSpotObject } from '../emulators/fixture.js';

export const DAY_MS = 86_400_000;
export const BASE_MS = Date.UTC(2025, 0, 1);

export function hubSpotContact(n: number, extra: Partial<HubSpotObject> = {}): HubSpotObject {
  return {
    id: String(n),
    properties: { email: `person${n}@example.com`, firstname: `First${n}`, lastname: `Last${n}`, vip_level: n % 7 === 0 ? '3' : null },
    createdAt: new Date(BASE_MS).toISOString(),
    updatedAt: new Date(BASE_MS + n * DAY_MS).toISOString(),
    associations: n % 3 === 0 ? undefined : { companies: { results: [{ id: String(9000 + (n % 5)) }] } },
    ...extra,
  };
}

export function contact(n: number, companies?: { id: string; type?: string }[]): HubSpotObject {
  return {
    id: String(n),
    properties: { email: `person${n}@example.com` },
    createdAt: new Date(BASE_MS).toISOString(),
    updatedAt: new Date(BASE_MS + n * 60_000).toISOString(),
    ...(companies ? { associations: { companies: { results: companies } } } : {}),
  };
}

export function company(n: number): HubSpotObject {
  return { id: String(n), properties: { name: `Company ${n}` }, createdAt: new Date(BASE_MS).toISOString(), updatedAt: new Date(BASE_MS).toISOString() };
}

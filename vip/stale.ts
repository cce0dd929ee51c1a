// Stale VIPs: people who probably left their company. Every signal is a plain function of one CRM
// record (and what vipsync remembered about it), so each can be tested on its own.
import { crmProviders } from '../crm/registry.js';
import { emailDomain } from './email.js';

export type StaleSignalKind =
  | 'deleted'
  | 'archived'
  | 'merged'
  | 'vanished'
  | 'email-changed'
  | 'company-removed'
  | 'company-changed'
  | 'bounced'
  | 'title-departed'
  | 'domain-mismatch';

export interface StaleSignal {
  kind: StaleSignalKind;
  /** Weak signals (the email domain no longer matching) are worth a look but prove less. */
  strength: 'strong' | 'weak';
  connectionId: string;
  crmId: string;
  detail: string;
  /** When the CRM says it happened, where it says so (ISO). */
  at: string | null;
}

// ---- titles -------------------------------------------------------------------------------------

const DEPARTED_TITLE = [
  /\bformer(?:ly)?\b/iu, // "Former CEO", "formerly at Acme"; not "Reformer", "Performer"
  /(?:^|[\s(,;/])ex[-‐–—\s]+(?!officio\b)\p{L}/iu, // "ex-CTO", "Ex CEO"; not "Executive", "Flexible", "Ex officio"
  /\bretired\b/iu, // "Retired", "Retired CFO"; not "Retirement Plan Advisor"
  /\bno longer\b/iu,
  /\b(?:resigned|departed)\b/iu,
  // "left" alone is too common a word ("Left-handed", "Left Bank Gallery"): only as a statement.
  /\bha(?:s|ve) left\b/iu,
  /\bleft (?:the )?(?:company|organi[sz]ation|firm|business|role|job|team)\b/iu,
  /\bleft (?:in )?(?:19|20)\d\d\b/iu,
  /^\W*left\W*$/iu,
  /\(\s*left\s*\)/iu,
  /[-–—,;:]\s*left\s*$/iu,
];

/** True when a job title says the person is gone ("Former CEO", "ex-CTO", "Retired", "left 2024"). */
export function titleSaysDeparted(title: string | null | undefined): boolean {
  if (!title) return false;
  return DEPARTED_TITLE.some((pattern) => pattern.test(title));
}

// ---- domains ------------------------------------------------------------------------------------

const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com',
  'rocketmail.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'pm.me',
  'gmx.de', 'gmx.net', 'gmx.com', 'web.de', 't-online.de', 'mail.com', 'zoho.com', 'yandex.com', 'yandex.ru',
  'mail.ru', 'qq.com', '163.com', '126.com', 'hey.com', 'fastmail.com', 'tutanota.com', 'orange.fr', 'free.fr',
  'laposte.net', 'libero.it', 'btinternet.com', 'comcast.net', 'verizon.net', 'att.net',
]);

/** A domain anyone can get an address at (so it says nothing about an employer). */
export function isFreeMailDomain(domain: string): boolean {
  const d = domain.trim().toLowerCase();
  return FREE_MAIL.has(d) || /^(?:yahoo|hotmail|outlook|live|gmx|aol)\.[a-z]{2,3}(?:\.[a-z]{2})?$/.test(d);
}

/** "https://www.Acme.com/about" or "acme.com" -> "acme.com"; null when there is no domain in it. */
export function bareDomain(raw: string | null | undefined): string | null {
  if (!raw || !raw.trim()) return null;
  const text = raw.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/[/?#:].*$/, '').replace(/^www\./, '').replace(/\.$/, '');
  return /^[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+$/u.test(text) ? text : null;
}

/** Same domain, or one a subdomain of the other (eu.acme.com and acme.com). */
export function domainsMatch(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/**
 * Whether the person's email domain matches their company's domain: null when the two cannot be
 * compared (either unknown, or the email is at a free-mail provider).
 */
export function emailMatchesCompanyDomain(email: string, companyDomain: string | null | undefined): boolean | null {
  const company = bareDomain(companyDomain);
  const own = emailDomain(email);
  if (!company || isFreeMailDomain(own) || isFreeMailDomain(company)) return null;
  return domainsMatch(own, company);
}

// ---- bounces ------------------------------------------------------------------------------------

/** The contact properties hardBounce reads (a derivation loads no others but the rules'): every CRM's. */
export function bounceProperties(): string[] {
  return crmProviders().flatMap((p) => p.facts.bounceProperties);
}

/** A hard bounce as any CRM records it (HubSpot's bounce reason or bad-address flag, Salesforce's bounce fields). */
export function hardBounce(properties: Record<string, unknown>): { detail: string; at: string | null } | null {
  for (const provider of crmProviders()) {
    const bounce = provider.facts.bounce(properties);
    if (bounce) return bounce;
  }
  return null;
}

// ---- one person's signals -----------------------------------------------------------------------

export interface StaleRecordInput {
  connectionId: string;
  crmId: string;
  title: string | null;
  properties: Record<string, unknown>;
  modifiedAt: Date | null;
  deletedAt: Date | null;
  deletionKind: string | null;
  mergedIntoId: string | null;
  companyCrmId: string | null;
  companyName: string | null;
  companyDomain: string | null;
  /** What vipsync remembered from the last derivation without a company signal; null for a new record. */
  baseline: { companyCrmId: string | null; domainMatched: boolean | null; companyMergedIntoId: string | null } | null;
}

/** A contact that was this person before and no longer carries the email (or is gone entirely). */
export interface MovedAwayInput {
  connectionId: string;
  crmId: string;
  /** The email the contact has now; null when the row is gone. */
  currentEmail: string | null;
}

const DELETION_KINDS = new Set(['archived', 'deleted', 'merged', 'vanished']);

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** Every stale signal for one person (one normalised email), strongest first. */
export function staleSignalsFor(email: string, records: StaleRecordInput[], movedAway: MovedAwayInput[] = []): StaleSignal[] {
  const signals: StaleSignal[] = [];
  const liveIn = new Set(records.filter((r) => r.deletedAt === null).map((r) => r.connectionId));

  for (const r of records) {
    const base = { connectionId: r.connectionId, crmId: r.crmId };
    if (r.deletedAt !== null) {
      // Another live contact with this email in the same CRM means a duplicate was cleaned up.
      if (liveIn.has(r.connectionId)) continue;
      const kind = (DELETION_KINDS.has(r.deletionKind ?? '') ? r.deletionKind : 'deleted') as StaleSignalKind;
      const detail = {
        archived: `contact ${r.crmId} was archived in the CRM`,
        deleted: `contact ${r.crmId} was deleted in the CRM`,
        merged: `contact ${r.crmId} was merged into contact ${r.mergedIntoId ?? '(unknown)'}, which does not have this email`,
        vanished: `contact ${r.crmId} disappeared from the CRM's full listing without a deletion record`,
      }[kind as 'archived' | 'deleted' | 'merged' | 'vanished'];
      signals.push({ kind, strength: 'strong', ...base, detail, at: iso(r.deletedAt) });
      continue;
    }
    const bounce = hardBounce(r.properties);
    if (bounce) signals.push({ kind: 'bounced', strength: 'strong', ...base, detail: bounce.detail, at: bounce.at ?? iso(r.modifiedAt) });
    if (titleSaysDeparted(r.title)) {
      signals.push({ kind: 'title-departed', strength: 'strong', ...base, detail: `title "${r.title}" says they left`, at: iso(r.modifiedAt) });
    }
    const before = r.baseline?.companyCrmId ?? null;
    if (before !== null && r.companyCrmId !== before && !(r.companyCrmId !== null && r.baseline?.companyMergedIntoId === r.companyCrmId)) {
      if (r.companyCrmId === null) {
        signals.push({ kind: 'company-removed', strength: 'strong', ...base, detail: `contact ${r.crmId} is no longer linked to company ${before}`, at: iso(r.modifiedAt) });
      } else {
        signals.push({
          kind: 'company-changed', strength: 'strong', ...base,
          detail: `contact ${r.crmId} moved from company ${before} to ${r.companyName ? `"${r.companyName}" ` : ''}(${r.companyCrmId})`,
          at: iso(r.modifiedAt),
        });
      }
    }
    if (r.baseline?.domainMatched === true && emailMatchesCompanyDomain(email, r.companyDomain) === false) {
      signals.push({
        kind: 'domain-mismatch', strength: 'weak', ...base,
        detail: `the email domain ${emailDomain(email)} no longer matches the company's domain ${bareDomain(r.companyDomain)}`,
        at: iso(r.modifiedAt),
      });
    }
  }

  for (const m of movedAway) {
    if (liveIn.has(m.connectionId)) continue;
    const base = { connectionId: m.connectionId, crmId: m.crmId, at: null };
    if (m.currentEmail === null) {
      signals.push({ kind: 'vanished', strength: 'strong', ...base, detail: `contact ${m.crmId} no longer exists in vipsync's copy of the CRM` });
    } else {
      signals.push({ kind: 'email-changed', strength: 'strong', ...base, detail: `contact ${m.crmId} now has the email ${m.currentEmail}` });
    }
  }
  return signals.sort((a, b) => (a.strength === b.strength ? 0 : a.strength === 'strong' ? -1 : 1));
}

/** Whether a company link or domain comparison should move the remembered baseline forward. */
export function companySignalActive(signals: StaleSignal[], connectionId: string, crmId: string): boolean {
  return signals.some((s) => s.connectionId === connectionId && s.crmId === crmId &&
    (s.kind === 'company-removed' || s.kind === 'company-changed' || s.kind === 'domain-mismatch'));
}

// ---- the flag, its age and the grace period ----------------------------------------------------

export interface StaleState {
  stale: boolean;
  staleSince: Date | null;
  staleReason: string | null;
  staleEvidence: StaleSignal[] | null;
  staleConfirmedAt: Date | null;
}

/** Stale while any signal fires; `since` is when vipsync first noticed, kept while it stays stale. */
export function nextStaleState(previous: Pick<StaleState, 'stale' | 'staleSince' | 'staleConfirmedAt'> | null, signals: StaleSignal[], now: Date): StaleState {
  if (signals.length === 0) return { stale: false, staleSince: null, staleReason: null, staleEvidence: null, staleConfirmedAt: null };
  const wasStale = previous?.stale === true;
  const first = signals[0]!;
  const more = signals.length > 1 ? ` (+${signals.length - 1} more signal${signals.length > 2 ? 's' : ''})` : '';
  return {
    stale: true,
    staleSince: wasStale ? (previous!.staleSince ?? now) : now,
    staleReason: `${first.detail} [${first.kind}${first.strength === 'weak' ? ', weak signal' : ''}, connection ${first.connectionId}]${more}`,
    staleEvidence: signals,
    staleConfirmedAt: wasStale ? previous!.staleConfirmedAt : null,
  };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A stale person nobody confirmed loses their level once the grace period has passed. */
export function staleGraceExpired(state: Pick<StaleState, 'stale' | 'staleSince' | 'staleConfirmedAt'>, now: Date, graceDays: number): boolean {
  if (!state.stale || state.staleConfirmedAt !== null || state.staleSince === null) return false;
  return now.getTime() - state.staleSince.getTime() >= graceDays * DAY_MS;
}

// The emulated portal's webhooks, delivered as HubSpot delivers them
// (https://developers.hubspot.com/docs/api/webhooks): events batched, up to 100 a request, signed
// with the app's client secret (X-HubSpot-Signature-v3: base64 HMAC-SHA256 of method + URL + body
// + timestamp, X-HubSpot-Request-Timestamp), up to 10 requests at once (maxConcurrentRequests), and
// a delivery that fails (no 2xx within 5 s) retried up to 10 times with growing delays (HubSpot
// spreads them over 24 hours; the emulator's delays are configurable and short by default).
// Faults real deliveries have: an event delivered twice, events out of order.
import { createHmac } from 'node:crypto';

export interface WebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: string;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  [field: string]: unknown;
}

export interface WebhookSettings {
  /** Where deliveries go; none: events are dropped (no app subscribed). */
  targetUrl?: string;
  clientSecret?: string;
  /** Events a request at most (HubSpot: 100). */
  maxBatch?: number;
  /** How long events gather before a request goes (HubSpot batches what arrives together). */
  flushMs?: number;
  maxConcurrentRequests?: number;
  /** Delay before each retry (10 retries, as HubSpot's). */
  retryDelaysMs?: number[];
  /** Every Nth event is delivered a second time, in a later request. */
  duplicateEvery?: number;
  /** Each request lists its events newest first. */
  reverseOrder?: boolean;
  /** A request taking longer than this counts as failed (HubSpot: 5 s). */
  timeoutMs?: number;
}

export interface WebhookStats {
  eventsQueued: number;
  requests: number;
  delivered: number;
  failedAttempts: number;
  dropped: number;
  pending: number;
}

const DEFAULTS = {
  maxBatch: 100, flushMs: 10, maxConcurrentRequests: 10, timeoutMs: 5_000,
  retryDelaysMs: [200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 51_200, 102_400],
};

export function signWebhook(method: string, url: string, body: string, timestamp: number, secret: string): string {
  return createHmac('sha256', secret).update(`${method}${url}${body}${timestamp}`).digest('base64');
}

export class WebhookDeliverer {
  private settings: WebhookSettings & typeof DEFAULTS = { ...DEFAULTS };
  private queue: WebhookEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private waiting: (() => void)[] = [];
  private retries = new Set<NodeJS.Timeout>();
  private nextEventId = 1;
  private count = 0;
  private idle: (() => void)[] = [];
  readonly stats: WebhookStats = { eventsQueued: 0, requests: 0, delivered: 0, failedAttempts: 0, dropped: 0, pending: 0 };

  configure(settings: WebhookSettings): void {
    this.settings = { ...this.settings, ...settings };
  }

  get enabled(): boolean {
    return Boolean(this.settings.targetUrl && this.settings.clientSecret);
  }

  /** Queues an event (subscriptionType, objectId and its type's fields); ids and times are filled in. */
  emit(event: { subscriptionType: string; objectId: string; [field: string]: unknown }): void {
    if (!this.enabled) return;
    const full: WebhookEvent = {
      ...event,
      eventId: this.nextEventId++, subscriptionId: subscriptionIdOf(event.subscriptionType), portalId: 1, appId: 1,
      occurredAt: Date.now(), attemptNumber: 0, objectId: Number(event.objectId), changeSource: 'CRM_UI',
    };
    this.enqueue(full);
    this.count++;
    if (this.settings.duplicateEvery && this.count % this.settings.duplicateEvery === 0) {
      setTimeout(() => this.enqueue({ ...full }), this.settings.flushMs + 5);
    }
  }

  private enqueue(event: WebhookEvent): void {
    this.stats.eventsQueued++;
    this.stats.pending++;
    this.queue.push(event);
    if (this.queue.length >= this.settings.maxBatch) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), this.settings.flushMs);
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.settings.maxBatch);
      void this.deliver(this.settings.reverseOrder ? batch.reverse() : batch, 0);
    }
  }

  private async deliver(batch: WebhookEvent[], attempt: number): Promise<void> {
    while (this.inFlight >= this.settings.maxConcurrentRequests) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    let ok = false;
    try {
      const { targetUrl, clientSecret, timeoutMs } = this.settings;
      if (!targetUrl || !clientSecret) return;
      const body = JSON.stringify(batch.map((e) => ({ ...e, attemptNumber: attempt })));
      const timestamp = Date.now();
      this.stats.requests++;
      const response = await fetch(targetUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': signWebhook('POST', targetUrl, body, timestamp, clientSecret),
          'x-hubspot-request-timestamp': String(timestamp),
          'x-hubspot-signature-version': 'v3',
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      ok = response.ok;
    } catch {
      ok = false;
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
    if (ok) {
      this.stats.delivered += batch.length;
      this.settle(batch.length);
      return;
    }
    this.stats.failedAttempts++;
    const delay = this.settings.retryDelaysMs[attempt];
    if (delay === undefined) {
      this.stats.dropped += batch.length;
      this.settle(batch.length);
      return;
    }
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      void this.deliver(batch, attempt + 1);
    }, delay);
    this.retries.add(timer);
  }

  private settle(events: number): void {
    this.stats.pending -= events;
    if (this.stats.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Resolves once every event queued so far was delivered or given up. */
  drained(): Promise<void> {
    if (this.stats.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    clearTimeout(this.timer);
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    this.queue = [];
  }
}

/** One subscription per subscription type, as an app has. */
function subscriptionIdOf(type: string): number {
  let hash = 0;
  for (const char of type) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000;
  return hash;
}

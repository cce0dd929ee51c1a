// Runtime fault injection so tests can prove a client survives what real CRMs do on bad days.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface FaultSpec {
  /** The next N data requests answer 429. */
  status429Next?: number;
  /** The next N data requests answer a 5xx (status5xxCode, default 503). */
  status5xxNext?: number;
  status5xxCode?: number;
  /** Every data request waits this long before being handled (until changed). */
  delayMs?: number;
  /** The next N data requests have their TCP connection destroyed without a response. */
  dropConnectionsNext?: number;
  /**
   * HubSpot only: the next N list and search answers are empty pages that still carry a cursor,
   * which leads to the page the client would have had (hubspot.md, "Behaviours a sync must survive").
   */
  emptyPagesNext?: number;
}

export type InjectedFailure = { kind: 'status429' } | { kind: 'status5xx'; statusCode: number } | { kind: 'handled' };

export class FaultInjector {
  private spec: Required<FaultSpec> = emptySpec();

  /** Replaces whatever faults are still pending. `set({})` clears them. */
  set(spec: FaultSpec): void {
    this.spec = { ...emptySpec(), ...spec };
  }

  /**
   * Applies the pending faults to one request: waits, drops the connection, or says which error the
   * emulator should answer with (each emulator words its own error body). Returns undefined when the
   * request should proceed normally.
   */
  async apply(request: FastifyRequest, reply: FastifyReply): Promise<InjectedFailure | undefined> {
    if (this.spec.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.spec.delayMs));
    if (this.spec.dropConnectionsNext > 0) {
      this.spec.dropConnectionsNext--;
      reply.hijack();
      request.raw.socket.destroy();
      return { kind: 'handled' };
    }
    if (this.spec.status429Next > 0) {
      this.spec.status429Next--;
      return { kind: 'status429' };
    }
    if (this.spec.status5xxNext > 0) {
      this.spec.status5xxNext--;
      return { kind: 'status5xx', statusCode: this.spec.status5xxCode };
    }
    return undefined;
  }

  /** Whether the answer being made is one of the pending empty pages (and counts it if so). */
  takeEmptyPage(): boolean {
    if (this.spec.emptyPagesNext <= 0) return false;
    this.spec.emptyPagesNext--;
    return true;
  }
}

function emptySpec(): Required<FaultSpec> {
  return { status429Next: 0, status5xxNext: 0, status5xxCode: 503, delayMs: 0, dropConnectionsNext: 0, emptyPagesNext: 0 };
}

/**
 * Per-host concurrency of one webhooks process: at most `perHost` deliveries to one receiver host
 * at once. A delivery that finds its host full does not wait for a slot (it would hold one of the
 * process's delivery slots meanwhile, and a slow receiver could hold them all): the caller puts
 * it back on the queue with a short delay instead. A counter per host, dropped when it reaches 0,
 * so the map holds only hosts with deliveries in flight. Hand-written: it is a map of counters,
 * smaller than any limiter library's set-up.
 */
export class HostSlots {
  readonly #inFlight = new Map<string, number>();

  constructor(private readonly perHost: number) {}

  /** Takes a slot for `host`; false when the host already has `perHost` deliveries in flight. */
  tryAcquire(host: string): boolean {
    const current = this.#inFlight.get(host) ?? 0;
    if (current >= this.perHost) return false;
    this.#inFlight.set(host, current + 1);
    return true;
  }

  release(host: string): void {
    const current = this.#inFlight.get(host) ?? 0;
    if (current <= 1) this.#inFlight.delete(host);
    else this.#inFlight.set(host, current - 1);
  }

  /** Deliveries in flight to `host`. */
  inFlight(host: string): number {
    return this.#inFlight.get(host) ?? 0;
  }
}

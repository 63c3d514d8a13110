/**
 * A bound on the upload bytes one API process holds in memory at once.
 *
 * An upload is held from its first byte until its answer has gone out: a `wait` upload until its
 * job ends, and an upload whose file comes before its options before its key is even checked.
 * Unbounded, 30 connections that each sent a 32 MB file and no options made the server hold 1 GB,
 * without a key; a few hundred would have had the kernel kill the process, and every role in it.
 * Past the bound, an upload is answered 503 with Retry-After, and the others go on.
 *
 * Written here rather than taken from a library: the rate and concurrency limiters on npm count
 * requests, not the bytes each one holds for as long as it lives.
 */
import { SquishError } from '../errors/index.js';

/** What a refused upload is told. */
const FULL_MESSAGE = 'The server is holding as many uploads as it can; try again in a few seconds.';

/** One request's share of the budget: taken as its bytes arrive, given back at once when it ends. */
export interface UploadHold {
  /**
   * Takes `bytes` more for this request.
   * @throws SquishError UNAVAILABLE when the budget cannot hold them (nothing is taken then)
   */
  take(bytes: number): void;
  /** Gives back everything this request took; later calls do nothing. */
  release(): void;
}

export class UploadMemory {
  readonly limitBytes: number;
  #heldBytes = 0;

  /** @param limitBytes the most upload bytes held at once (Infinity: no bound) */
  constructor(limitBytes: number) {
    if (!(limitBytes > 0)) throw new RangeError('the upload memory limit must be positive');
    this.limitBytes = limitBytes;
  }

  /** Bytes held by all requests now. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** A new request's share, empty until it takes bytes. */
  hold(): UploadHold {
    let taken = 0;
    let released = false;
    return {
      take: (bytes) => {
        if (released) throw new Error('this upload hold was already released');
        if (this.#heldBytes + bytes > this.limitBytes) throw new SquishError('UNAVAILABLE', FULL_MESSAGE);
        this.#heldBytes += bytes;
        taken += bytes;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#heldBytes -= taken;
      },
    };
  }
}

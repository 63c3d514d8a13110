/**
 * In-process signals between embedded queues on the same SQLite file: "a job was added" wakes the
 * consumers at once, "a job ended" answers waiters at once. They are process-wide, not per
 * instance, because the api and the worker may each open their own EmbeddedQueue on one file.
 * Other processes sharing the file are not reached by these: they poll the table instead.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { JobOutcome } from '../queue-backend.js';

const hub = new EventEmitter();
// One listener per waiting request or consumer: there can be many, and none of them leaks.
hub.setMaxListeners(0);

/** The signals of one SQLite file. */
export class QueueEvents {
  readonly #file: string;

  constructor(file: string) {
    this.#file = resolve(file);
  }

  #key(kind: 'added' | 'ended', queue: string, id?: string): string {
    return JSON.stringify([kind, this.#file, queue, id ?? null]);
  }

  added(queue: string): void {
    hub.emit(this.#key('added', queue));
  }

  ended(queue: string, id: string, outcome: JobOutcome): void {
    hub.emit(this.#key('ended', queue, id), outcome);
  }

  /** Calls `listener` whenever a job is added to the queue; returns the unsubscribe function. */
  onAdded(queue: string, listener: () => void): () => void {
    const key = this.#key('added', queue);
    hub.on(key, listener);
    return () => hub.off(key, listener);
  }

  /** Calls `listener` when the job ends in this process; returns the unsubscribe function. */
  onEnded(queue: string, id: string, listener: (outcome: JobOutcome) => void): () => void {
    const key = this.#key('ended', queue, id);
    hub.on(key, listener);
    return () => hub.off(key, listener);
  }
}

/**
 * How a job's input travels from the pool to its engine process: on a socket of its own beside
 * the IPC channel, as frames of `[header length: uint32 BE][header: JSON][input bytes]`.
 *
 * Why not the IPC channel: with `serialization: 'advanced'` Node copies a message's bytes
 * three times on the way out (the serializer's growing buffer, its release, a concat with the
 * length prefix) and twice on the way in (a concat of the read chunks, the deserializer's copy).
 * For a 1 MB photo that was the largest allocator of both processes, and the external memory
 * it churned set off V8's full collections. Here the pool writes the caller's bytes as they
 * are (the kernel copies them into the socket), and the engine process reads them straight into
 * one buffer of the input's size. Results, a few kilobytes to a few hundred, stay on the IPC
 * channel.
 *
 * Hand-written: a length-prefixed frame is a few lines, and no framing library reads into a
 * caller's buffer (net.Socket's `onread`), which is the point.
 */
import type { OptimizePlan } from '../../plan/index.js';
import type { EngineLimits } from '../limits.js';

/** What precedes a job's input on the socket. */
export interface JobHeader {
  id: number;
  plan: OptimizePlan;
  limits: EngineLimits;
  /** Length of the input that follows the header. */
  inputBytes: number;
}

/** Bytes of the length prefix before the header. */
const PREFIX_BYTES = 4;
/** Reads between inputs (headers, and the first bytes of an input that came with its header). */
const SCRATCH_BYTES = 64 * 1024;

/** The frame of one job: prefix and header in one buffer; the input is written after it as is. */
export function jobFrameHead(header: JobHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.allocUnsafe(PREFIX_BYTES + json.length);
  head.writeUInt32BE(json.length, 0);
  json.copy(head, PREFIX_BYTES);
  return head;
}

/**
 * The engine process's side: fed by a socket's `onread` (`buffer: () => reader.nextBuffer()`,
 * `callback: (n, buf) => reader.received(n, buf)`), it calls `onJob` with each header and its
 * complete input. While an input is being received, the socket reads into the input's own
 * buffer; otherwise into a small scratch buffer.
 */
export class JobFrameReader {
  readonly #onJob: (header: JobHeader, input: Buffer) => void;
  readonly #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** Header bytes received so far (a header may arrive in pieces). */
  #head: Buffer = Buffer.alloc(0);
  #job: { header: JobHeader; input: Buffer; received: number } | undefined;

  constructor(onJob: (header: JobHeader, input: Buffer) => void) {
    this.#onJob = onJob;
  }

  /** Where the socket's next read goes: the rest of the current input, or the scratch buffer. */
  nextBuffer(): Uint8Array {
    const job = this.#job;
    return job && job.received < job.input.length ? job.input.subarray(job.received) : this.#scratch;
  }

  /**
   * Takes `length` bytes the socket read into `buffer` (the one `nextBuffer` gave).
   * @throws Error on a malformed header: the stream can no longer be trusted
   */
  received(length: number, buffer: Uint8Array): void {
    const job = this.#job;
    if (buffer !== this.#scratch && job) {
      // Read in place: the input grew by what was read.
      job.received += length;
      this.#finishIfComplete();
      return;
    }
    this.#consume(this.#scratch.subarray(0, length));
  }

  #consume(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) {
      const job = this.#job;
      if (job) {
        const taken = Math.min(rest.length, job.input.length - job.received);
        rest.copy(job.input, job.received, 0, taken);
        job.received += taken;
        rest = rest.subarray(taken);
        this.#finishIfComplete();
        continue;
      }
      this.#head = this.#head.length === 0 ? Buffer.from(rest) : Buffer.concat([this.#head, rest]);
      rest = Buffer.alloc(0);
      if (this.#head.length < PREFIX_BYTES) return;
      const headerEnd = PREFIX_BYTES + this.#head.readUInt32BE(0);
      if (this.#head.length < headerEnd) return;
      const header = parseHeader(this.#head.subarray(PREFIX_BYTES, headerEnd));
      rest = this.#head.subarray(headerEnd);
      this.#head = Buffer.alloc(0);
      this.#job = { header, input: Buffer.allocUnsafe(header.inputBytes), received: 0 };
      this.#finishIfComplete();
    }
  }

  #finishIfComplete(): void {
    const job = this.#job;
    if (!job || job.received < job.input.length) return;
    this.#job = undefined;
    this.#onJob(job.header, job.input);
  }
}

function parseHeader(bytes: Buffer): JobHeader {
  const header = JSON.parse(bytes.toString('utf8')) as JobHeader;
  if (!Number.isSafeInteger(header.inputBytes) || header.inputBytes < 0) {
    throw new Error('engine process: a job header without a valid input length');
  }
  return header;
}

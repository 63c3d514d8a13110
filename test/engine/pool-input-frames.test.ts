/**
 * The frames that carry a job's input to its engine process (src/engine/pool/input-frames.ts),
 * read the way the child's socket reads them: into the buffer `nextBuffer` hands out, in pieces
 * of any size.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/engine/limits.js';
import { JobFrameReader, type JobHeader, jobFrameHead } from '../../src/engine/pool/input-frames.js';
import { parsePlan } from '../../src/plan/index.js';

function header(id: number, inputBytes: number): JobHeader {
  return { id, plan: parsePlan({ lossy: true, quality: 80 }), limits: DEFAULT_LIMITS, inputBytes };
}

/** Feeds `stream` to the reader as a socket would, at most `readSize` bytes per read. */
function feed(reader: JobFrameReader, stream: Buffer, readSize: number): void {
  let offset = 0;
  while (offset < stream.length) {
    const target = reader.nextBuffer();
    const length = Math.min(readSize, target.length, stream.length - offset);
    stream.copy(target, 0, offset, offset + length);
    reader.received(length, target);
    offset += length;
  }
}

test('jobs arrive whole and in order, whatever the size of the reads', () => {
  const inputs = [randomBytes(300_000), Buffer.alloc(0), randomBytes(17), randomBytes(70_000)];
  const stream = Buffer.concat(
    inputs.flatMap((input, id) => [jobFrameHead(header(id, input.length)), input]),
  );
  for (const readSize of [1, 7, 4096, 65_536, 1 << 20]) {
    const received: { header: JobHeader; input: Buffer }[] = [];
    const reader = new JobFrameReader((h, input) => received.push({ header: h, input: Buffer.from(input) }));
    feed(reader, stream, readSize);
    assert.equal(received.length, inputs.length, `reads of ${readSize}`);
    received.forEach((job, id) => {
      assert.equal(job.header.id, id);
      assert.deepEqual(job.header.plan, header(id, 0).plan);
      assert.ok(job.input.equals(inputs[id]!), `input ${id} with reads of ${readSize}`);
    });
  }
});

test("an input's bytes after its header are read in place, into the input's own buffer", () => {
  const input = randomBytes(200_000);
  let delivered: Buffer | undefined;
  const reader = new JobFrameReader((_h, bytes) => {
    delivered = bytes;
  });
  const head = jobFrameHead(header(1, input.length));
  // The header alone, then the input: every read after the header targets the input's buffer.
  feed(reader, head, head.length);
  const target = reader.nextBuffer();
  assert.equal(target.length, input.length, 'the next read goes to a buffer of exactly the input size');
  feed(reader, input, 65_536);
  assert.ok(delivered?.equals(input));
  assert.equal(delivered?.buffer, target.buffer, 'no copy between the socket and the engine');
});

test('a header without a valid input length is refused', () => {
  const reader = new JobFrameReader(() => assert.fail('no job expected'));
  const bad = jobFrameHead({ ...header(1, 0), inputBytes: -1 });
  const target = reader.nextBuffer();
  bad.copy(target);
  assert.throws(() => reader.received(bad.length, target), /valid input length/);
});

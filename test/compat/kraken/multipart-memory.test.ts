/**
 * What an upload holds while its parts are read: the image and the options part count against
 * the process's upload memory (src/api/upload-memory.ts); other fields are not kept.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { Multipart } from '@fastify/multipart';
import { UploadMemory } from '../../../src/api/upload-memory.js';
import { readMultipartUpload } from '../../../src/compat/kraken/multipart-upload.js';

test('the options part counts against the hold; fields that are not options are dropped, not held', async () => {
  const memory = new UploadMemory(1 << 20);
  const hold = memory.hold();
  const options = JSON.stringify({
    auth: { api_key: 'k', api_secret: 's' },
    wait: true,
    padding: 'x'.repeat(5000),
  });
  const image = Buffer.from('not really an image');
  async function* parts(): AsyncGenerator<Multipart> {
    yield {
      type: 'field',
      fieldname: 'junk',
      value: 'y'.repeat(50_000),
      valueTruncated: false,
    } as unknown as Multipart;
    yield { type: 'field', fieldname: 'data', value: options, valueTruncated: false } as unknown as Multipart;
    yield {
      type: 'file',
      fieldname: 'file',
      filename: 'a.png',
      file: Object.assign(Readable.from([image]), { truncated: false }),
    } as unknown as Multipart;
  }
  const { prepared } = await readMultipartUpload(parts(), JSON.parse, async (value) => value, hold);
  assert.equal((prepared as { wait: boolean }).wait, true);
  assert.equal(memory.heldBytes, options.length + image.length);
});

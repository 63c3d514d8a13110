import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorReply } from '../../src/api/error-reply.js';
import { SquishError } from '../../src/errors/index.js';

test('a SquishError keeps its code, status and public message', () => {
  const reply = errorReply(new SquishError('RESULT_EXPIRED'));
  assert.equal(reply.status, 404);
  assert.deepEqual(reply.body, {
    success: false,
    code: 'RESULT_EXPIRED',
    message: 'This result has expired and was deleted; optimize the image again.',
  });
  assert.equal(reply.internal, false);
});

test("a Fastify client error keeps its status; a bug's detail never reaches the answer", () => {
  const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
  assert.equal(errorReply(tooLarge).status, 413);
  assert.equal(errorReply(tooLarge).body.code, 'INPUT_TOO_LARGE');
  const bug = errorReply(new TypeError('secret path /etc/x undefined'));
  assert.equal(bug.status, 500);
  assert.equal(bug.internal, true);
  assert.doesNotMatch(bug.body.message, /secret/);
});

test('a full disk is a 503 STORAGE_FULL, its cause kept for the log only', () => {
  const full = Object.assign(new Error('ENOSPC: no space left on device, write /srv/data/x'), {
    code: 'ENOSPC',
  });
  const reply = errorReply(full);
  assert.equal(reply.status, 503);
  assert.equal(reply.body.code, 'STORAGE_FULL');
  assert.equal(reply.internal, true);
  assert.doesNotMatch(reply.body.message, /srv/);
});

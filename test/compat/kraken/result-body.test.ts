import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  krakenAcceptedBody,
  krakenCallbackBody,
  krakenJobAnswer,
  krakenResponder,
  krakenUserStatus,
  UNLIMITED_QUOTA_BYTES,
} from '../../../src/compat/kraken/index.js';
import type { Account, JobOutput, JobRecord } from '../../../src/db/records.js';
import { parsePlan } from '../../../src/plan/index.js';

const downloadUrl = (token: string, name: string) => `https://squish.example/dl/${token}/${name}`;

function output(overrides: Partial<JobOutput> = {}): JobOutput {
  return {
    token: 'a'.repeat(32),
    blobKey: 'results/x/a',
    fileName: 'header.jpg',
    format: 'jpeg',
    contentType: 'image/jpeg',
    size: 165358,
    width: 100,
    height: 75,
    originalSize: 324520,
    originalWidth: 1024,
    originalHeight: 768,
    savedBytes: 159162,
    etag: '"e"',
    notes: [],
    ...overrides,
  };
}

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: '18fede37617a787649c3f60b9f1f280d',
    accountId: 'acc',
    status: 'done',
    source: { kind: 'upload', blobKey: 'inputs/x', fileName: 'header.jpg', size: 324520 },
    plan: parsePlan({}),
    delivery: { mode: 'wait' },
    dev: false,
    compat: { api: 'kraken', data: { endpoint: 'upload' } },
    result: { inputFormat: 'jpeg', originalSize: 324520, outputs: [output()], ms: 10 },
    createdAt: new Date(0),
    expiresAt: new Date(3_600_000),
    ...overrides,
  };
}

describe('krakenJobAnswer', () => {
  test('one output: the B1.6 wait body, field for field', () => {
    assert.deepEqual(krakenJobAnswer(job(), downloadUrl), {
      status: 200,
      body: {
        success: true,
        file_name: 'header.jpg',
        original_size: 324520,
        kraked_size: 165358,
        saved_bytes: 159162,
        kraked_url: `https://squish.example/dl/${'a'.repeat(32)}/header.jpg`,
        original_width: 1024,
        original_height: 768,
        kraked_width: 100,
        kraked_height: 75,
      },
    });
  });

  test('nothing saved reads saved_bytes 0; a transform that grew the file reads negative', () => {
    const same = krakenJobAnswer(
      job({ result: { inputFormat: 'png', originalSize: 10, outputs: [output({ size: 324520 })], ms: 1 } }),
      downloadUrl,
    );
    assert.equal(same.status === 200 && 'saved_bytes' in same.body && same.body.saved_bytes, 0);
    const grown = krakenJobAnswer(
      job({ result: { inputFormat: 'png', originalSize: 10, outputs: [output({ size: 324620 })], ms: 1 } }),
      downloadUrl,
    );
    assert.equal(grown.status === 200 && 'saved_bytes' in grown.body && grown.body.saved_bytes, -100);
  });

  test('an image set: a results map keyed by set id', () => {
    const answer = krakenJobAnswer(
      job({
        plan: parsePlan({
          outputs: [
            { id: 'small', resize: { strategy: 'none' } },
            { id: '2', resize: { strategy: 'none' } },
          ],
        }),
        result: {
          inputFormat: 'jpeg',
          originalSize: 324520,
          outputs: [
            output({ setId: 'small', token: 'b'.repeat(32) }),
            output({ setId: '2', size: 200000, width: 400, height: 300 }),
          ],
          ms: 10,
        },
      }),
      downloadUrl,
    );
    assert.equal(answer.status, 200);
    assert.ok('results' in answer.body);
    assert.deepEqual(Object.keys(answer.body.results).sort(), ['2', 'small']);
    assert.equal(
      answer.body.results.small?.kraked_url,
      `https://squish.example/dl/${'b'.repeat(32)}/header.jpg`,
    );
    assert.deepEqual(answer.body.results['2'], {
      file_name: 'header.jpg',
      original_size: 324520,
      kraked_size: 200000,
      saved_bytes: 124520,
      kraked_url: `https://squish.example/dl/${'a'.repeat(32)}/header.jpg`,
      original_width: 1024,
      original_height: 768,
      kraked_width: 400,
      kraked_height: 300,
    });
  });

  test("a failed job answers with its error's status and message", () => {
    const failed = job({
      status: 'failed',
      result: undefined,
      error: { code: 'UNSUPPORTED_FORMAT', message: 'Not an image.' },
    });
    assert.deepEqual(krakenJobAnswer(failed, downloadUrl), {
      status: 415,
      body: { success: false, message: 'Not an image.', code: 'UNSUPPORTED_FORMAT' },
    });
    const corrupt = job({
      status: 'failed',
      result: undefined,
      error: { code: 'CORRUPT_IMAGE', message: 'Truncated.' },
    });
    assert.equal(krakenJobAnswer(corrupt, downloadUrl).status, 422);
  });

  test('an error code this version does not know becomes a 500 without its text', () => {
    const strange = job({
      status: 'failed',
      result: undefined,
      error: { code: 'FUTURE_CODE' as never, message: 'stack trace here' },
    });
    const answer = krakenJobAnswer(strange, downloadUrl);
    assert.equal(answer.status, 500);
    assert.ok(!JSON.stringify(answer.body).includes('stack trace'));
  });
});

describe('callback bodies', () => {
  test('accepted: only the id; delivered: the wait body plus the id', () => {
    assert.deepEqual(krakenAcceptedBody(job()), { id: '18fede37617a787649c3f60b9f1f280d' });
    const wait = krakenJobAnswer(job(), downloadUrl).body;
    assert.deepEqual(krakenCallbackBody(job(), downloadUrl), {
      id: '18fede37617a787649c3f60b9f1f280d',
      ...wait,
    });
  });

  test('krakenResponder is the kraken API and posts failures with success:false and the id', () => {
    assert.equal(krakenResponder.api, 'kraken');
    const failed = job({
      status: 'failed',
      result: undefined,
      error: { code: 'FETCH_FAILED', message: 'Could not download.' },
    });
    assert.deepEqual(krakenResponder.callbackBody(failed, downloadUrl), {
      id: '18fede37617a787649c3f60b9f1f280d',
      success: false,
      message: 'Could not download.',
      code: 'FETCH_FAILED',
    });
  });
});

describe('krakenUserStatus', () => {
  const account = (overrides: Partial<Account>): Account => ({
    id: 'a',
    name: 'n',
    apiKey: 'k',
    quotaBytes: 1000,
    usedBytes: 300,
    status: 'active',
    createdAt: new Date(0),
    ...overrides,
  });

  test('a byte quota', () => {
    assert.deepEqual(krakenUserStatus(account({})), {
      success: true,
      active: true,
      plan_name: 'Squish Quota',
      quota_total: 1000,
      quota_used: 300,
      quota_remaining: 700,
    });
    assert.equal(krakenUserStatus(account({ usedBytes: 1500 })).quota_remaining, 0);
  });

  test('unlimited: a total that never runs out, so clients doing arithmetic keep working', () => {
    const status = krakenUserStatus(account({ quotaBytes: null, usedBytes: 5 }));
    assert.equal(status.quota_total, UNLIMITED_QUOTA_BYTES);
    assert.equal(status.quota_remaining, UNLIMITED_QUOTA_BYTES - 5);
    assert.equal(status.plan_name, 'Squish Unlimited');
  });
});

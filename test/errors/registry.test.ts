import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, invalidOption, SquishError } from '../../src/errors/index.js';

test('docs/errors.md lists exactly the registry, with the same statuses and messages', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = [...doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|\s*(.+?)\s*\|$/gm)].map((m) => [
    m[1],
    Number(m[2]),
    m[3],
  ]);
  const registry = Object.entries(ERROR_CODES).map(([code, { status, message }]) => [code, status, message]);
  assert.deepEqual(rows, registry);
});

test('errors survive the trip across a process boundary', () => {
  const error = new SquishError('TOO_MANY_PIXELS', 'The image has 1.6 gigapixels.');
  const copy = SquishError.fromReport(structuredClone(error.toReport()));
  assert.equal(copy.code, 'TOO_MANY_PIXELS');
  assert.equal(copy.status, 422);
  assert.equal(copy.message, 'The image has 1.6 gigapixels.');
});

test('option errors name the option, what was expected and what came', () => {
  const error = invalidOption('quality', 'an integer from 1 to 100', 101);
  assert.equal(error.code, 'INVALID_OPTION');
  assert.equal(error.status, 400);
  assert.equal(error.message, 'Expected an integer from 1 to 100 for `quality` but received 101');
});

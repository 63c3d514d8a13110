import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidOption } from '../../src/errors/index.js';
import { MAX_RECEIVED_CHARS } from '../../src/errors/squish-error.js';

describe('invalidOption', () => {
  it('shows a short received value whole, as JSON', () => {
    const error = invalidOption('quality', 'an integer from 1 to 100', 101);
    assert.equal(error.code, 'INVALID_OPTION');
    assert.equal(error.message, 'Expected an integer from 1 to 100 for `quality` but received 101');
    assert.match(invalidOption('wait', 'a boolean', 'yes').message, /received "yes"$/);
    assert.match(invalidOption('x', 'a number', undefined).message, /received undefined$/);
  });

  it('cuts a long received value and says how long it was', () => {
    const value = 'x'.repeat(200_000);
    const { message } = invalidOption('convert.format', 'one of jpeg, png', value);
    assert.ok(message.length < MAX_RECEIVED_CHARS + 120, String(message.length));
    assert.ok(message.endsWith(`… (${value.length + 2} characters)`), message.slice(-60));
    assert.ok(message.includes(`received "${'x'.repeat(MAX_RECEIVED_CHARS - 1)}…`));
  });

  it('never cuts inside a surrogate pair', () => {
    // The quote JSON adds, then emoji of two UTF-16 units each: unit MAX - 1 is a high surrogate.
    const value = '😀'.repeat(MAX_RECEIVED_CHARS);
    const { message } = invalidOption('name', 'a short name', value);
    const shown = message.slice(message.indexOf('received ') + 'received '.length, message.indexOf('…'));
    assert.equal(shown, `"${'😀'.repeat((MAX_RECEIVED_CHARS - 2) / 2)}`);
    assert.doesNotMatch(shown, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])/u, 'a lone surrogate was left');
  });
});

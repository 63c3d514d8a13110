/** How outputs are named and served: file names, Content-Types, ETags. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { contentTypeOf, outputFileName, strongEtag } from '../../src/worker/index.js';

test('an output takes its format’s extension, replacing an image extension', () => {
  assert.equal(outputFileName('photo.png', 'webp'), 'photo.webp');
  assert.equal(outputFileName('photo.PNG', 'jpeg'), 'photo.jpg');
  assert.equal(outputFileName('scan.tiff', 'png'), 'scan.png');
  assert.equal(outputFileName('drawing.svg', 'svg'), 'drawing.svg');
});

test('an extension that already names the format is kept as written', () => {
  assert.equal(outputFileName('photo.jpeg', 'jpeg'), 'photo.jpeg');
  assert.equal(outputFileName('PHOTO.JPG', 'jpeg'), 'PHOTO.JPG');
  assert.equal(outputFileName('anim.gif', 'gif'), 'anim.gif');
});

test('a name without an image extension gets one appended', () => {
  assert.equal(outputFileName('0a1b2c3d4e5f', 'png'), '0a1b2c3d4e5f.png');
  assert.equal(outputFileName('scan.001', 'avif'), 'scan.001.avif');
  assert.equal(outputFileName('.hidden', 'gif'), '.hidden.gif');
  assert.equal(outputFileName('', 'jpeg'), 'image.jpg');
});

test('keep_extension keeps an existing extension, and a name without one still gets one', () => {
  assert.equal(outputFileName('photo.png', 'webp', true), 'photo.png');
  assert.equal(outputFileName('0a1b2c3d4e5f', 'webp', true), '0a1b2c3d4e5f.webp');
});

test('only the last path segment of a name is used', () => {
  assert.equal(outputFileName('../../etc/passwd.png', 'png'), 'passwd.png');
  assert.equal(outputFileName('C:\\Users\\me\\photo.jpg', 'webp'), 'photo.webp');
});

test('content types are the registered image types', () => {
  assert.deepEqual((['jpeg', 'png', 'gif', 'webp', 'avif', 'svg'] as const).map(contentTypeOf), [
    'image/jpeg',
    'image/png',
    'image/gif',
    'image/webp',
    'image/avif',
    'image/svg+xml',
  ]);
});

test('the ETag is the quoted SHA-256 of the bytes: equal bytes, equal tags; one bit changed, another', () => {
  const bytes = new Uint8Array([1, 2, 3, 4]);
  const tag = strongEtag(bytes);
  assert.equal(tag, `"${createHash('sha256').update(bytes).digest('base64url')}"`);
  assert.match(tag, /^"[A-Za-z0-9_-]{43}"$/);
  assert.equal(strongEtag(new Uint8Array([1, 2, 3, 4])), tag);
  assert.notEqual(strongEtag(new Uint8Array([1, 2, 3, 5])), tag);
});

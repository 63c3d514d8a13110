/** The download file name fetchImage derives from the final URL. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileNameFromUrl } from '../../src/net/file-name.js';

function nameOf(url: string): string {
  return fileNameFromUrl(new URL(url));
}

describe('fileNameFromUrl', () => {
  it('takes the last path segment, decoded, without the query or fragment', () => {
    assert.equal(nameOf('https://cdn.example.com/a/b/photo.jpg?w=100#top'), 'photo.jpg');
    assert.equal(nameOf('https://cdn.example.com/a/My%20Photo-1_final.PNG'), 'My_Photo-1_final.PNG');
  });

  it('replaces every run of other characters, including decoded slashes and dots-only names', () => {
    assert.equal(nameOf('https://x.example/%2E%2E%2Fetc%2Fpasswd'), 'etc_passwd');
    assert.equal(nameOf('https://x.example/caf%C3%A9%20cr%C3%A8me.webp'), 'cafe_creme.webp');
    assert.equal(nameOf('https://x.example/a%00b.gif'), 'a_b.gif');
    assert.equal(nameOf('https://x.example/bad%E0%A4%A.png'), 'bad_E0_A4_A.png');
  });

  it('names a stem with nothing usable left "image", and keeps its extension', () => {
    assert.equal(nameOf('https://x.example/%D1%84%D0%BE%D1%82%D0%BE.jpg'), 'image.jpg');
    assert.equal(nameOf('https://x.example/%E7%85%A7%E7%89%87%201.png'), '1.png');
  });

  it('falls back to "image" when nothing usable remains', () => {
    for (const url of [
      'https://x.example/',
      'https://x.example',
      'https://x.example/dir/',
      'https://x.example/..%2E',
      'https://x.example/%20',
    ]) {
      assert.equal(nameOf(url), 'image', url);
    }
  });

  it('shortens long names and keeps their extension', () => {
    const name = nameOf(`https://x.example/${'a'.repeat(300)}.jpeg`);
    assert.equal(name.length, 100);
    assert.ok(name.endsWith('.jpeg'));
  });
});

/** Paths and checks shared by the end-to-end tests. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const FIXTURES = fileURLToPath(new URL('../fixtures/e2e/', import.meta.url));

export function fixture(name: string): Buffer {
  return readFileSync(`${FIXTURES}${name}`);
}

/** The fields of a Kraken result (B1.6), in one set entry or a single-output answer. */
export const RESULT_FIELDS = [
  'file_name',
  'original_size',
  'kraked_size',
  'saved_bytes',
  'kraked_url',
  'original_width',
  'original_height',
  'kraked_width',
  'kraked_height',
] as const;

/** Asserts a result object has exactly the contract's fields, with sensible values. */
export function assertResultShape(result: Record<string, unknown>, label: string): void {
  for (const field of RESULT_FIELDS) {
    const expected = field === 'file_name' || field === 'kraked_url' ? 'string' : 'number';
    assert.equal(typeof result[field], expected, `${label}: ${field} is a ${expected}`);
  }
  // Negative when a requested resize or conversion made the file larger (B1.6 says 0 only for
  // "nothing could be saved" by optimizing, which returns the original).
  assert.equal(
    result.saved_bytes,
    (result.original_size as number) - (result.kraked_size as number),
    `${label}: saved_bytes = original_size - kraked_size`,
  );
}

/**
 * Downloads a kraked_url and checks it against its report: the bytes, Content-Length and the
 * decoded dimensions agree with kraked_size, kraked_width and kraked_height.
 */
export async function downloadResult(
  result: Record<string, unknown>,
  label: string,
): Promise<{ bytes: Buffer; response: Response; format: string | undefined }> {
  const response = await fetch(result.kraked_url as string);
  assert.equal(response.status, 200, `${label}: download status`);
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.equal(bytes.length, result.kraked_size, `${label}: downloaded bytes = kraked_size`);
  assert.equal(
    response.headers.get('content-length'),
    String(result.kraked_size),
    `${label}: Content-Length`,
  );
  const meta = await sharp(bytes).metadata();
  assert.equal(meta.width, result.kraked_width, `${label}: decoded width = kraked_width`);
  assert.equal(meta.height, result.kraked_height, `${label}: decoded height = kraked_height`);
  return { bytes, response, format: meta.format };
}

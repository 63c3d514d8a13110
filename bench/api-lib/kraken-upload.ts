import { FormData, Response, request } from 'undici';

/** A Kraken upload's multipart body (the `data` options field, then the file), encoded once. */
export interface UploadBody {
  bytes: Uint8Array;
  contentType: string;
}

/** Encodes a Kraken upload once, so that every request puts the same bytes on the wire. */
export async function multipartBody(
  options: string,
  file: Uint8Array,
  fileName: string,
): Promise<UploadBody> {
  const form = new FormData();
  form.append('data', options);
  form.append('file', new Blob([file]), fileName);
  const encoded = new Response(form);
  return {
    bytes: new Uint8Array(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type')!,
  };
}

/**
 * A load loop's request: the `index`-th upload (round robin over the bodies) to `<baseUrl>/v1/upload`.
 * @throws when the answer is not a Kraken success
 */
export function krakenUploader(
  baseUrl: string,
  bodies: readonly UploadBody[],
): (index: number) => Promise<void> {
  return async (index) => {
    const { bytes, contentType } = bodies[index % bodies.length]!;
    const response = await request(`${baseUrl}/v1/upload`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': contentType },
    });
    const body = (await response.body.json()) as { success?: boolean; message?: string };
    if (response.statusCode !== 200 || body.success !== true) {
      throw new Error(`HTTP ${response.statusCode}: ${body.message ?? JSON.stringify(body)}`);
    }
  };
}

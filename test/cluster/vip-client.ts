/**
 * The client of the keepalived test, run inside the client network namespace
 * (`ip netns exec <ns> node --import tsx vip-client.ts <base url> <seconds> <key json> <image>`):
 * sends requests to the floating address one after the other, alternating a readiness probe
 * proxied to an API node and a real upload optimized with `wait`, and prints one JSON line per
 * request ({sentAt, answeredAt, kind, ok, detail}) on stdout.
 */
import { readFileSync } from 'node:fs';

const [baseUrl, secondsText, keyJson, imagePath] = process.argv.slice(2);
const until = Date.now() + Number(secondsText) * 1000;
const key = JSON.parse(keyJson!) as { api_key: string; api_secret: string };
const image = readFileSync(imagePath!);

/** Short enough that a request sent into the address while it moves fails fast and is counted. */
const REQUEST_TIMEOUT_MS = 3000;

async function once(kind: 'readyz' | 'upload'): Promise<{ ok: boolean; detail: string }> {
  try {
    if (kind === 'readyz') {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await response.arrayBuffer();
      return { ok: response.status === 200, detail: `HTTP ${response.status}` };
    }
    const form = new FormData();
    form.append('data', JSON.stringify({ auth: key, wait: true }));
    form.append('file', new Blob([image]), 'image.png');
    const response = await fetch(`${baseUrl}/v1/upload`, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS * 3),
    });
    const body = (await response.json()) as { success?: boolean; kraked_url?: string; message?: string };
    return {
      ok: response.status === 200 && body.success === true && typeof body.kraked_url === 'string',
      detail: `HTTP ${response.status}${body.message ? ` ${body.message}` : ''}`,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { ok: false, detail: `${(error as Error).name}${cause?.code ? `: ${cause.code}` : ''}` };
  }
}

let n = 0;
while (Date.now() < until) {
  const kind = n++ % 2 === 0 ? 'readyz' : 'upload';
  const sentAt = Date.now();
  const { ok, detail } = await once(kind);
  process.stdout.write(`${JSON.stringify({ sentAt, answeredAt: Date.now(), kind, ok, detail })}\n`);
  await new Promise((resolve) => setTimeout(resolve, 100));
}

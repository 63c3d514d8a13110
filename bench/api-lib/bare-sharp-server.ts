/**
 * The thinnest HTTP image server bench:api can set beside `squish serve`: the same HTTP stack
 * (Fastify and @fastify/multipart), the upload read into memory, sharp's reference work
 * (sharp-reference.ts), and a Kraken-shaped JSON answer. No accounts, queue, storage, engine
 * processes or verification. Its throughput against sharp called directly is what any HTTP
 * platform can reach on the machine at most: the HTTP server and its client share the cores with
 * the image work.
 *
 * Run by bench:api as a forked process; it sends its port on the IPC channel once it listens.
 */
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { sharpReference } from './sharp-reference.js';

const app = Fastify();
await app.register(multipart, { limits: { fileSize: 64 * 1024 * 1024 } });
app.post('/v1/upload', async (request, reply) => {
  let file: Buffer | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') file = await part.toBuffer();
    else JSON.parse(String(part.value)); // the Kraken options, read as a server would
  }
  if (!file) return reply.code(400).send({ success: false, message: 'no file' });
  const output = await sharpReference(file, 'engine');
  return { success: true, original_size: file.length, kraked_size: output.length };
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ port: Number(new URL(address).port) });
// The benchmark going away must not leave the server behind.
process.on('disconnect', () => process.exit(0));

/**
 * Key pairs: generation, the stored form of a secret, and its constant-time check.
 *
 * The secret is 160 random bits made by the server, not a password a person chose, so nobody can
 * guess it from a dictionary: a slow password hash (scrypt, argon2) would only add latency to
 * every API request without adding safety. One SHA-256 over a per-account salt and the secret is
 * enough to make a stolen database useless for calling the API, and the salt keeps two accounts'
 * hashes unrelated.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh public key: 32 hex characters, as Kraken's keys. */
export function newApiKey(): string {
  return randomBytes(16).toString('hex');
}

/** A fresh secret: 40 hex characters (160 bits). */
export function newApiSecret(): string {
  return randomBytes(20).toString('hex');
}

/** What is stored instead of the secret. */
export interface StoredSecret {
  salt: string;
  hash: string;
}

export function hashSecret(secret: string, salt = randomBytes(16).toString('hex')): StoredSecret {
  const hash = createHash('sha256').update(Buffer.from(salt, 'hex')).update(secret, 'utf8').digest('hex');
  return { salt, hash };
}

// Checked when the key is unknown, so that the answer takes as long as for a known key.
const DUMMY = hashSecret('', '00000000000000000000000000000000');

/** Whether `secret` is the one stored (`undefined`: unknown key, always false), in constant time. */
export function secretMatches(stored: StoredSecret | undefined, secret: string): boolean {
  const expected = stored ?? DUMMY;
  const actual = Buffer.from(hashSecret(secret, expected.salt).hash, 'hex');
  const equal = timingSafeEqual(actual, Buffer.from(expected.hash, 'hex'));
  return stored !== undefined && equal;
}

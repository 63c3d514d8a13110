/**
 * The environment of the scaling benchmark's nodes (bench/api-lib/squish-process.ts starts them):
 * one `squish serve --roles api` node and N `squish serve --roles worker` nodes on the same Redis,
 * database and blob store.
 */

/** The environment every node shares: Squish's settings, and nothing Squish reads from the machine. */
export function nodeEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SQUISH_')));
  return { ...base, SQUISH_LOG_LEVEL: 'warn', ...settings };
}

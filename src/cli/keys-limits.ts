/**
 * Limits of the `keys` options, in a module of their own: the program declares its options with
 * them before it knows which command runs, and keys.ts (the database, the tables) loads only
 * when a `keys` command does.
 */

/** Hours a rotated-out signing secret stays valid, at most: a month. */
export const MAX_GRACE_HOURS = 24 * 30;

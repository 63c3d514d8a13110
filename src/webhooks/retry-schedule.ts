/**
 * When a failed webhook is tried again. The delays grow geometrically from the first retry's so
 * that, without jitter, the last attempt falls exactly at the retry span after the first one:
 * with the defaults (15 attempts, first retry 4 s, span 24 h) the factor is about 2.05, so a
 * receiver that is down for a minute gets the result within seconds of coming back, and one down
 * for most of a day still gets it. Each delay is jittered by ±20 % (the first retry at the
 * defaults stays within 3.2-4.8 s) so that the retries of many deliveries that failed together
 * (a receiver outage) do not arrive together.
 */

/** The settings the schedule follows. */
export interface RetryScheduleSettings {
  /** Attempts in all (1 means no retry). */
  webhookAttempts: number;
  webhookFirstRetrySeconds: number;
  webhookRetrySpanSeconds: number;
}

/** Jitter: each delay is multiplied by a factor in [1 - JITTER, 1 + JITTER]. */
export const RETRY_JITTER = 0.2;

/**
 * The growth factor r of the delays: first * (1 + r + ... + r^(n-1)) = span, for the n = attempts - 1
 * retries. Found by bisection (no closed form); at least 1, so a span shorter than the retries at
 * the first delay gives evenly spaced retries rather than shrinking ones.
 */
export function retryGrowthFactor(settings: RetryScheduleSettings): number {
  const retries = settings.webhookAttempts - 1;
  const first = settings.webhookFirstRetrySeconds;
  const span = settings.webhookRetrySpanSeconds;
  if (retries <= 1 || first * retries >= span) return 1;
  const total = (r: number) => (first * (r ** retries - 1)) / (r - 1);
  let low = 1 + 1e-9;
  let high = 2;
  while (total(high) < span) high *= 2;
  for (let step = 0; step < 100; step++) {
    const mid = (low + high) / 2;
    if (total(mid) < span) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * Milliseconds between attempt `attempt` (1-based, just failed) and the next one, or undefined
 * when `attempt` was the last. `random` in [0, 1) picks the jitter (Math.random by default).
 */
export function retryDelayMs(
  settings: RetryScheduleSettings,
  attempt: number,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= settings.webhookAttempts) return undefined;
  const base = settings.webhookFirstRetrySeconds * 1000 * retryGrowthFactor(settings) ** (attempt - 1);
  const jitter = 1 - RETRY_JITTER + 2 * RETRY_JITTER * random();
  return Math.round(base * jitter);
}

/**
 * The schedule without jitter: for each retry, its delay after the previous attempt and its time
 * after the first attempt, in seconds. For documentation (`squish webhooks` help, the README).
 */
export function retrySchedule(
  settings: RetryScheduleSettings,
): { attempt: number; delaySeconds: number; atSeconds: number }[] {
  const rows: { attempt: number; delaySeconds: number; atSeconds: number }[] = [];
  let at = 0;
  for (let attempt = 1; attempt < settings.webhookAttempts; attempt++) {
    const delaySeconds = (retryDelayMs(settings, attempt, () => 0.5) ?? 0) / 1000;
    at += delaySeconds;
    rows.push({ attempt: attempt + 1, delaySeconds, atSeconds: at });
  }
  return rows;
}

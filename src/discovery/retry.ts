/**
 * moby's retry schedule (`backoff`, `abort`, the loops of `callWithRetry` and `loadWithRetry`),
 * over an injectable clock so tests can run the 30 s budget in milliseconds.
 */
import { setTimeout as delay } from 'node:timers/promises'

/** Time as the retry loops see it. `sleep` may be cut short by `signal` (it then rejects). */
export interface Clock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
}

/** moby `defaultTimeOut`: the retry budget of calls and lookups. */
export const DEFAULT_RETRY_BUDGET_MS = 30_000

/** moby `backoff(n)`: min(1 s · 2ⁿ, 30 s). */
export function backoff(retries: number): number {
  let ms = 1000
  for (let n = retries; ms < DEFAULT_RETRY_BUDGET_MS && n > 0; n--) ms *= 2
  return Math.min(ms, DEFAULT_RETRY_BUDGET_MS)
}

/** moby `abort`: give up when the next backoff would end at or after the budget. */
export function shouldAbort(startMs: number, timeOffMs: number, budgetMs: number, clock: Clock): boolean {
  return timeOffMs + (clock.now() - startMs) >= budgetMs
}

export interface RetryOptions {
  clock: Clock
  budgetMs: number
  /** false: one attempt (moby's `retry=false`). */
  retry: boolean
  /** Which failures are worth another attempt; others are thrown at once. */
  retryable: (err: unknown) => boolean
  /** Called before each sleep, for moby's "…, retrying in 2s" warning. */
  onRetry?: (err: unknown, delayMs: number) => void
  /** Stops the waiting between attempts; the last error is then thrown. */
  signal?: AbortSignal
}

/** Runs `attempt` until it succeeds, fails for good, or the budget says stop (last error thrown). */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const start = options.clock.now()
  for (let retries = 0; ; retries++) {
    try {
      return await attempt()
    } catch (err) {
      if (!options.retry || !options.retryable(err) || options.signal?.aborted) throw err
      const timeOff = backoff(retries)
      if (shouldAbort(start, timeOff, options.budgetMs, options.clock)) throw err
      options.onRetry?.(err, timeOff)
      try {
        await options.clock.sleep(timeOff, options.signal)
      } catch {
        throw err
      }
    }
  }
}

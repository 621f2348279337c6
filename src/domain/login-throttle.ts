// Failed logins per username (docs/http-api.md, LOGIN_MAX_FAILURES): after that many failures in 15
// minutes, logins for the name answer 429 until the window passes. Counted in the store so every
// instance shares the count; checked before any password hashing; unknown names are counted the
// same way as real ones, so the limit reveals nothing about which accounts exist. A success does not
// reset the count: that would hand a guesser a fresh budget whenever the owner logs in.
//
// An attempt is counted BEFORE its password is checked, as a reservation, and released when it
// turns out not to be a failure (a success, a malformed body, an outage). Counting only after the
// hash would let concurrent guesses all pass the check before any of them was counted.
import { createHash } from 'node:crypto'
import type { Config } from '../config.js'
import { rateLimited } from '../errors.js'
import type { AuthStore } from '../store/types.js'

export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000

export interface LoginThrottleDeps {
  store: Pick<AuthStore, 'incrementCounter' | 'releaseCounterHit'>
  config: Pick<Config, 'loginMaxFailures'>
  now: () => number
}

/** An attempt counted as a failure in advance: release it unless it turns out to be one. */
export interface ReservedAttempt {
  readonly counterKey: string
}

function failureKey (normalisedUsername: string): string {
  return 'login-failures:' + createHash('sha256').update(normalisedUsername).digest('base64url')
}

/**
 * Counts an attempt for `normalisedUsername` as a failure in advance. Past the limit the count is
 * taken back (a refused attempt is no guess) and it throws RateLimitedError with its Retry-After.
 */
export async function reserveLoginAttempt (deps: LoginThrottleDeps, normalisedUsername: string): Promise<ReservedAttempt> {
  const now = deps.now()
  const counterKey = failureKey(normalisedUsername)
  const attempts = await deps.store.incrementCounter(counterKey, LOGIN_FAILURE_WINDOW_MS, now)
  if (attempts.count > deps.config.loginMaxFailures) {
    await deps.store.releaseCounterHit(counterKey)
    throw rateLimited(Math.max(1, Math.ceil((attempts.resetAt - now) / 1000)))
  }
  return { counterKey }
}

/** Takes back a reserved attempt that was not a failure. */
export async function releaseLoginAttempt (deps: LoginThrottleDeps, attempt: ReservedAttempt): Promise<void> {
  await deps.store.releaseCounterHit(attempt.counterKey)
}

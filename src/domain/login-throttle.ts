// Failed logins per username (docs/http-api.md, LOGIN_MAX_FAILURES): after that many failures in 15
// minutes, logins for the name answer 429 until the window passes. Counted in the store so every
// instance shares the count; checked before any password hashing; unknown names are counted the
// same way as real ones, so the limit reveals nothing about which accounts exist. A success does not
// reset the count: that would hand a guesser a fresh budget whenever the owner logs in.
//
// An attempt is counted BEFORE its password is checked, as a reservation, and released when it
// turns out not to be a failure (a success, a malformed body, an outage). Counting only after the
// hash would let concurrent guesses all pass the check before any of them was counted.
//
// A known device (one presenting a valid device cookie for the name, src/domain/device-cookies.ts)
// is counted under a counter of its own instead, with the same limit and window, and is not held
// back by the name's lockout: strangers guessing the password lock out strangers, not the owner.
// A device past its own limit is a stranger again (OWASP's device-cookie lockout): its attempts
// count, and are refused, under the name like anyone else's.
import { createHash } from 'node:crypto'
import type { Config } from '../config.js'
import { usernameLocked } from '../errors.js'
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
  /** Counted under a known device's own counter, not the username's. */
  readonly knownDevice: boolean
}

function usernameFailureKey (normalisedUsername: string): string {
  return 'login-failures:' + createHash('sha256').update(normalisedUsername).digest('base64url')
}

// A device id is random base64url (no ':'), so these never meet a username's key.
function deviceFailureKey (deviceId: string): string {
  return 'login-failures:device:' + deviceId
}

/** Counts one attempt under `counterKey`; past the limit takes it back and returns the seconds to wait. */
async function countAttempt (deps: LoginThrottleDeps, counterKey: string): Promise<number | null> {
  const now = deps.now()
  const attempts = await deps.store.incrementCounter(counterKey, LOGIN_FAILURE_WINDOW_MS, now)
  if (attempts.count <= deps.config.loginMaxFailures) return null
  // A refused attempt is no guess: it does not count.
  await deps.store.releaseCounterHit(counterKey)
  return Math.max(1, Math.ceil((attempts.resetAt - now) / 1000))
}

/**
 * Counts an attempt for `normalisedUsername` as a failure in advance: under `knownDeviceId`'s own
 * counter when the caller read a valid device cookie for the name (and the device is within its
 * limit), else under the name's. Past the name's limit it throws UsernameLockedError (a RateLimitedError) with its Retry-After.
 */
export async function reserveLoginAttempt (
  deps: LoginThrottleDeps,
  normalisedUsername: string,
  knownDeviceId: string | null = null
): Promise<ReservedAttempt> {
  if (knownDeviceId !== null) {
    const counterKey = deviceFailureKey(knownDeviceId)
    if (await countAttempt(deps, counterKey) === null) return { counterKey, knownDevice: true }
  }
  const counterKey = usernameFailureKey(normalisedUsername)
  const retryAfterSeconds = await countAttempt(deps, counterKey)
  if (retryAfterSeconds !== null) throw usernameLocked(retryAfterSeconds)
  return { counterKey, knownDevice: false }
}

/** Takes back a reserved attempt that was not a failure. */
export async function releaseLoginAttempt (deps: LoginThrottleDeps, attempt: ReservedAttempt): Promise<void> {
  await deps.store.releaseCounterHit(attempt.counterKey)
}

// The revocation feed client's options, events and stale policy, with their defaults and checks.
import type { Revocation } from './types.js'

/**
 * What to do with a token whose session is not known to be revoked while the feed is stale.
 * `accept` (the default) fails open: during a feed outage the gateway keeps the guarantee every
 * JWT gateway has (a token works until its `exp`, at most ACCESS_TOKEN_TTL), and an outage of Rotor
 * does not become an outage of every API behind the gateway. Rotor's own routes make the same
 * choice when its store is unreachable. `reject` fails closed: while stale, such tokens are refused
 * (503, not 401: the token may be good, and a client should retry rather than log in again).
 */
export type StalePolicy = 'accept' | 'reject'

/** How a token's session stands: `stale` only under `onStale: 'reject'`. */
export type SessionVerdict = 'valid' | 'revoked' | 'stale'

export interface RevocationFeedOptions {
  /** Rotor's base URL (`http://127.0.0.1:3000`); the feed is `/auth/revocations` under it. */
  url: string | URL
  /** One of Rotor's REVOCATION_FEED_TOKENS. */
  token: string
  /** Default `accept`; see StalePolicy. */
  onStale?: StalePolicy
  /** The feed is stale once disconnected this long (ms, default 30 s), and until its first `ready`. */
  staleAfterMs?: number
  /** A connection silent this long (ms) is dropped and made again; Rotor comments at least every 15 s. Default 45 s. */
  silenceTimeoutMs?: number
  /** First reconnection delay (ms, default 500), doubled per failed attempt up to `reconnectMaxMs` (default 30 s), jittered. */
  reconnectInitialMs?: number
  reconnectMaxMs?: number
  /** Ceiling of revocations held (default 1,000,000, about 100 MB). */
  maxRevocations?: number
  /** How often expired entries are freed (ms, default 10 s); they stop counting at `until` regardless. */
  sweepIntervalMs?: number
  /** ms since the epoch; Date.now by default. */
  now?: () => number
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch
}

export interface DisconnectInfo {
  error: Error
  retryInMs: number
}

export interface RevocationFeedEvents {
  /** The feed caught up (after every connection); the set is complete as of now. */
  ready: []
  /** The cursor was older than everything Rotor keeps (or the feed lost entries): every revocation in force follows. */
  reset: []
  /** Rotor's keys changed: fetch the JWKS again. */
  keys: []
  revoked: [revocation: Revocation]
  connected: []
  disconnected: [info: DisconnectInfo]
  /** Disconnected for `staleAfterMs`. */
  stale: []
  /** A revocation in force was dropped because `maxRevocations` was reached. */
  overflow: [sid: string]
}

/** The tunable timings and their defaults, in ms. */
export const FEED_TIMING_DEFAULTS = {
  staleAfterMs: 30_000,
  silenceTimeoutMs: 45_000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  sweepIntervalMs: 10_000
}

export type FeedTimings = typeof FEED_TIMING_DEFAULTS

/** The timings of `options`, defaults filled in; throws on a value that is not a positive number. */
export function checkedTimings (options: RevocationFeedOptions): FeedTimings {
  const timings = { ...FEED_TIMING_DEFAULTS }
  for (const name of Object.keys(FEED_TIMING_DEFAULTS) as Array<keyof FeedTimings>) {
    const value = options[name]
    if (value === undefined) continue
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds`)
    timings[name] = value
  }
  return timings
}

/** The stale policy of `options` (default `accept`); throws on another value. */
export function checkedStalePolicy (options: RevocationFeedOptions): StalePolicy {
  const onStale = options.onStale ?? 'accept'
  if (onStale !== 'accept' && onStale !== 'reject') throw new TypeError("onStale must be 'accept' or 'reject'")
  return onStale
}

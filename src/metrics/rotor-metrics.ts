// Rotor's own Prometheus metrics (docs/metrics.md), on a registry the caller owns. Every label
// value is known up front, so each series is bound once here and counting on a hot path (a login, a
// refresh, a store call) is a call on a ready child: no label object is built per request. Every
// series starts at 0, so it is scraped before its first event and rate() sees that first event.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { ReplayClass } from '../domain/replay-classes.js'
import type { AuthStore, RevocationReason } from '../store/types.js'

export const LOGIN_RESULTS = ['ok', 'wrong_password', 'unknown_user', 'throttled'] as const
export type LoginResult = (typeof LOGIN_RESULTS)[number]

export const REFRESH_RESULTS = ['rotated', 'grace_replay', 'reused', 'invalid'] as const
export type RefreshResult = (typeof REFRESH_RESULTS)[number]

export const REPLAY_CLASSES: readonly ReplayClass[] = ['race', 'lost_answer', 'theft']

export const SESSION_END_REASONS: readonly RevocationReason[] = ['logout', 'logout-all', 'reuse', 'password-change', 'revoked', 'evicted']

/** The store calls that are timed: every AuthStore method but close. */
export type StoreOperation = Exclude<keyof AuthStore, 'close'>
export const STORE_OPERATIONS: readonly StoreOperation[] = [
  'createUser', 'findUserByUsername', 'findUserById', 'changePassword', 'createSession', 'rotateRefreshToken',
  'endSession', 'endAllSessions', 'listSessions', 'findSession', 'incrementCounter', 'readCounter', 'deleteCounter',
  'releaseCounterHit', 'readRevocations', 'waitForRevocations', 'ping'
]

/**
 * Store calls take well under a millisecond on a local Redis and at most the store's call timeout
 * (1 s) before they reject; the buckets cover that span, with one past it for event-loop stalls.
 */
const STORE_CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** One series of a counter, bound to its labels. */
export interface CounterSeries { inc (value?: number): void }
/** One series of a gauge a caller moves. */
export interface GaugeSeries { inc (): void, dec (): void }
/** One series of a histogram, bound to its labels. */
export interface HistogramSeries { observe (value: number): void }

export interface StoreCallMetrics {
  /** Seconds from call to answer or rejection. */
  duration: HistogramSeries
  /** Calls that rejected (an unreachable store, a timeout, a bug). */
  errors: CounterSeries
}

export interface RotorMetrics {
  readonly registry: Registry
  readonly logins: Readonly<Record<LoginResult, CounterSeries>>
  readonly refreshes: Readonly<Record<RefreshResult, CounterSeries>>
  readonly replays: Readonly<Record<ReplayClass, CounterSeries>>
  readonly sessionsEnded: Readonly<Record<RevocationReason, CounterSeries>>
  readonly storeCalls: Readonly<Record<StoreOperation, StoreCallMetrics>>
  /** Open revocation-feed streams (server-sent events) on this instance. */
  readonly feedReaders: GaugeSeries
  /** Requests answered 429 on `route` (its pattern, such as /auth/sessions/:id); the series starts at 0. */
  rateLimited (route: string): CounterSeries
  /** A gauge read when scraped: `read` runs only then, never on a request's path. */
  gauge (name: string, help: string, read: () => number): void
}

function boundCounter<L extends string> (counter: Counter<string>, values: readonly L[]): Record<L, CounterSeries> {
  const series = {} as Record<L, CounterSeries>
  for (const value of values) {
    const child = counter.labels(value)
    child.inc(0)
    series[value] = child
  }
  return series
}

export function createRotorMetrics (registry: Registry): RotorMetrics {
  const registers = [registry]
  const logins = new Counter({ name: 'rotor_logins_total', help: 'Login attempts by result', labelNames: ['result'], registers })
  const refreshes = new Counter({ name: 'rotor_refreshes_total', help: 'Refresh-token presentations by result', labelNames: ['result'], registers })
  const replays = new Counter({
    name: 'rotor_refresh_replays_total',
    help: 'Spent refresh tokens presented again, by class (race, lost_answer, theft: docs/audit-events.md)',
    labelNames: ['class'],
    registers
  })
  const sessionsEnded = new Counter({ name: 'rotor_sessions_ended_total', help: 'Sessions ended early, by revocation reason', labelNames: ['reason'], registers })
  const storeDuration = new Histogram({
    name: 'rotor_store_call_duration_seconds',
    help: 'Store calls from call to answer, by operation (waitForRevocations waits on purpose and is not timed)',
    labelNames: ['operation'],
    buckets: STORE_CALL_BUCKETS,
    registers
  })
  const storeErrors = new Counter({ name: 'rotor_store_errors_total', help: 'Store calls that failed, by operation', labelNames: ['operation'], registers })
  const feedReaders = new Gauge({ name: 'rotor_revocation_feed_readers', help: 'Open revocation feed streams (GET /auth/revocations as server-sent events)', registers })
  feedReaders.set(0)
  const rateLimited = new Counter({ name: 'rotor_rate_limited_total', help: 'Requests refused with 429, by route', labelNames: ['route'], registers })

  const storeCalls = {} as Record<StoreOperation, StoreCallMetrics>
  for (const operation of STORE_OPERATIONS) {
    storeCalls[operation] = { duration: storeDuration.labels(operation), errors: storeErrors.labels(operation) }
    storeCalls[operation].errors.inc(0)
    if (operation !== 'waitForRevocations') storeDuration.zero({ operation })
  }
  // Routes are a fixed set (patterns, not raw URLs), so this map stays as small as the route table.
  const rateLimitedByRoute = new Map<string, CounterSeries>()

  return {
    registry,
    logins: boundCounter(logins, LOGIN_RESULTS),
    refreshes: boundCounter(refreshes, REFRESH_RESULTS),
    replays: boundCounter(replays, REPLAY_CLASSES),
    sessionsEnded: boundCounter(sessionsEnded, SESSION_END_REASONS),
    storeCalls,
    feedReaders,
    rateLimited (route) {
      let series = rateLimitedByRoute.get(route)
      if (series === undefined) {
        series = rateLimited.labels(route)
        series.inc(0)
        rateLimitedByRoute.set(route, series)
      }
      return series
    },
    gauge (name, help, read) {
      // Registered with the registry, which reads it when scraped.
      new Gauge({ name, help, registers, collect () { this.set(read()) } })
    }
  }
}

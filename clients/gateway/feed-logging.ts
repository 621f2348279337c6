// Log lines for what the feed does, each with a stable `event` field (as Rotor's own security
// events have), so an operator can alert on `revocation-feed-stale` and trace reconnections.
import type { RevocationFeed } from './revocation-feed.js'

/** The part of a pino (or Fastify) logger the feed writes to. */
export interface FeedLogger {
  debug? (object: object, message: string): void
  info (object: object, message: string): void
  warn (object: object, message: string): void
  error (object: object, message: string): void
}

/** One line for an error: fetch's own says only "fetch failed", its cause says why (ECONNREFUSED …). */
function describe (error: Error): string {
  const cause = error.cause as { code?: unknown, message?: unknown } | undefined
  const detail = cause === undefined ? undefined : typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : undefined
  return detail === undefined ? error.message : `${error.message}: ${detail}`
}

export function logFeedEvents (feed: RevocationFeed, log: FeedLogger): void {
  if (log.debug !== undefined) {
    const debug = log.debug.bind(log)
    feed.on('revoked', ({ id, sid, reason, until }) => { debug({ event: 'revocation-received', id, sid, reason, until }, 'revocation received') })
  }
  feed.on('ready', () => { log.info({ event: 'revocation-feed-ready', revocations: feed.size, lastEventId: feed.lastEventId }, 'revocation feed caught up') })
  feed.on('reset', () => { log.info({ event: 'revocation-feed-reset' }, 'revocation feed cursor too old or feed reset: reading every revocation in force again') })
  feed.on('keys', () => { log.info({ event: 'revocation-feed-keys' }, 'Rotor\'s keys changed: fetching the JWKS again') })
  feed.on('disconnected', ({ error, retryInMs }) => {
    log.warn({ event: 'revocation-feed-disconnected', reason: describe(error), retryInMs }, 'revocation feed disconnected')
  })
  feed.on('stale', () => {
    log.error({ event: 'revocation-feed-stale', onStale: feed.onStale }, `revocation feed disconnected too long: tokens are ${feed.onStale === 'accept' ? 'accepted without' : 'refused for want of'} a revocation check`)
  })
  feed.on('overflow', () => { log.error({ event: 'revocation-feed-overflow' }, 'revocation set full: a revocation in force was dropped; raise maxRevocations') })
}

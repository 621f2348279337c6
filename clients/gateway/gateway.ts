// One call for a gateway: follow the revocation feed, keep Rotor's keys, verify access tokens.
import { checkedRules, createAccessTokenVerifier, type AccessTokenRules, type AccessTokenVerifier } from './access-token-verifier.js'
import { logFeedEvents, type FeedLogger } from './feed-logging.js'
import { createRotorKeySet, type RotorKeySet, type RotorKeySetOptions } from './key-set.js'
import type { RevocationFeedOptions, StalePolicy } from './feed-options.js'
import { RevocationFeed } from './revocation-feed.js'

export interface RotorGatewayOptions extends AccessTokenRules {
  /** Rotor's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string | URL
  /** One of Rotor's REVOCATION_FEED_TOKENS. */
  feedToken: string
  /** What to do with tokens while the feed is stale; default `accept` (see StalePolicy for why). */
  onStale?: StalePolicy
  /** Tuning of the feed: staleAfterMs, silenceTimeoutMs, reconnection delays, maxRevocations, … */
  feed?: Omit<RevocationFeedOptions, 'url' | 'token' | 'onStale'>
  /** Default `<url>/.well-known/jwks.json`. */
  jwksUrl?: string | URL
  jwks?: Omit<RotorKeySetOptions, 'jwksUrl'>
  /** Where feed events are logged (a pino or Fastify logger); none by default. */
  log?: FeedLogger
}

export interface RotorGateway {
  readonly feed: RevocationFeed
  readonly keySet: RotorKeySet
  /** Resolves at the feed's first `ready`. */
  readonly ready: Promise<void>
  /** See RevocationFeed.stale. */
  readonly stale: boolean
  isRevoked (sid: string): boolean
  /** Verifies a token and its session; see createAccessTokenVerifier for what it throws. */
  verify: AccessTokenVerifier
  close (): Promise<void>
}

export function createRotorGateway (options: RotorGatewayOptions): RotorGateway {
  checkedRules(options)
  const base = new URL(options.url)
  if (!base.pathname.endsWith('/')) base.pathname += '/'
  const keySet = createRotorKeySet({ ...options.jwks, jwksUrl: new URL(options.jwksUrl ?? new URL('.well-known/jwks.json', base)) })
  const { log } = options
  const feed = new RevocationFeed({ ...options.feed, url: base, token: options.feedToken, onStale: options.onStale })
  if (log !== undefined) logFeedEvents(feed, log)
  feed.on('keys', () => {
    keySet.refetch().catch((error: unknown) => {
      // jose fetches again when a token names a kid it does not know, so this is not fatal.
      log?.warn({ event: 'jwks-refetch-failed', reason: (error as Error).message }, 'could not fetch Rotor\'s JWKS after a key change')
    })
  })
  return {
    feed,
    keySet,
    ready: feed.ready,
    get stale () { return feed.stale },
    isRevoked: (sid) => feed.isRevoked(sid),
    verify: createAccessTokenVerifier(keySet, feed, options, options.feed?.now),
    close: async () => { await feed.close() }
  }
}

// rotor/gateway: verify Rotor's access tokens in a gateway and refuse those of ended sessions.
export { createRotorGateway, type RotorGateway, type RotorGatewayOptions } from './gateway.js'
export { RevocationFeed } from './revocation-feed.js'
export { FEED_TIMING_DEFAULTS, type RevocationFeedEvents, type RevocationFeedOptions, type SessionVerdict, type StalePolicy, type DisconnectInfo } from './feed-options.js'
export { createRotorKeySet, type RotorKeySet, type RotorKeySetOptions } from './key-set.js'
export {
  createAccessTokenVerifier, checkedRules, claimTypeProblem, ACCESS_TOKEN_CLAIMS, ACCESS_TOKEN_TYP, GATEWAY_ALGORITHMS, MAX_CLOCK_TOLERANCE_SECONDS,
  type AccessTokenClaims, type AccessTokenRules, type AccessTokenVerifier, type GatewayAlgorithm
} from './access-token-verifier.js'
export { logFeedEvents, type FeedLogger } from './feed-logging.js'
export { FeedHttpError, FeedProtocolError, FeedSilentError, FeedStaleError, SessionEndedError } from './errors.js'
export { RevocationSet, DEFAULT_MAX_REVOCATIONS } from './revocation-set.js'
export { SseParser, SseParseError, type ServerSentEvent } from './sse-parser.js'
export { backoffDelay, type BackoffOptions } from './backoff.js'
export type { Revocation, RevocationReason } from './types.js'

// Every error code the server answers with, in one place. A code is a promise to clients and
// gateways (docs/http-api.md, "Errors"): add codes, never rename or reuse one. Code elsewhere tells
// errors apart by class (`instanceof`), never by comparing code strings.
import createError from '@fastify/error'

// Some refusals share a code but say more than the general message; they subclass its class, so
// `instanceof` still finds them. @fastify/error types its Base as ErrorConstructor only.
const base = (ErrorClass: unknown): ErrorConstructor => ErrorClass as ErrorConstructor

// --- Request shape -------------------------------------------------------------------------
export const BadRequestError = createError('AUTH_BAD_REQUEST', '%s', 400)
export const HeadersTooLargeError = createError('AUTH_HEADERS_TOO_LARGE', 'The request headers are too large: send at most 64 KiB of headers', 431)
export const RequestTimeoutError = createError('AUTH_REQUEST_TIMEOUT', 'The request did not arrive in full within %s: send the whole request at once', 408)
/** Fastify's own code for a request that fails its route's schema, answered as it is. */
export const VALIDATION_ERROR_CODE = 'FST_ERR_VALIDATION'
/** Fastify's own code for an unknown route, answered in the contract's shape (no stack: never thrown). */
export const RouteNotFoundError = createError('FST_ERR_NOT_FOUND', 'Route %s:%s not found', 404, Error, false)

// --- Credentials ---------------------------------------------------------------------------
// Unknown user and wrong password share this one error so the answers are byte-identical.
export const InvalidCredentialsError = createError('AUTH_INVALID_CREDENTIALS', 'Invalid username or password', 401)
/**
 * A wrong `currentPassword` on POST /auth/password: the caller is signed in, so saying which field
 * was wrong reveals nothing about which usernames exist. Same code, and an InvalidCredentialsError.
 */
export const WrongCurrentPasswordError = createError('AUTH_INVALID_CREDENTIALS',
  'currentPassword is not this account\'s password: send the password you log in with', 401, base(InvalidCredentialsError))
export const UsernameTakenError = createError('AUTH_USERNAME_TAKEN', 'That username is already registered', 409)

// --- Access tokens (401s on these routes carry WWW-Authenticate: Bearer, RFC 6750 §3) -------
export const TokenMissingError = createError('AUTH_TOKEN_MISSING', 'An access token is required: send Authorization: Bearer <token>', 401)
export const TokenInvalidError = createError('AUTH_TOKEN_INVALID', 'The access token is not valid', 401)
export const TokenExpiredError = createError('AUTH_TOKEN_EXPIRED', 'The access token has expired: refresh it', 401)
// A valid token whose session has ended (logout, logout-all, reuse, password change, revoke,
// eviction): refreshing cannot help, its refresh token ended with it.
export const SessionEndedError = createError('AUTH_SESSION_ENDED', 'The session of this access token has ended: log in again', 401)

// --- Refresh tokens ------------------------------------------------------------------------
export const RefreshMissingError = createError('AUTH_REFRESH_MISSING', 'A refresh token is required: send the refresh cookie with an X-Requested-With header, or {"refreshToken": "rt_…"} in the body with X-Token-Transport: body', 401)
export const RefreshInvalidError = createError('AUTH_REFRESH_INVALID', 'The refresh token is not valid: log in again', 401)
export const RefreshReusedError = createError('AUTH_REFRESH_REUSED', 'The refresh token was already used: the session has ended, log in again', 401)
export const CsrfError = createError('AUTH_CSRF', 'A cookie-authenticated request must carry the X-Requested-With header', 403)

// --- Revocation feed (its 401 carries WWW-Authenticate: Bearer, set by src/routes/revocations.ts) --
export const FeedUnauthorizedError = createError('AUTH_FEED_UNAUTHORIZED', 'The revocation feed needs Authorization: Bearer <one of REVOCATION_FEED_TOKENS>', 401)

// --- Sessions ------------------------------------------------------------------------------
export const SessionNotFoundError = createError('AUTH_SESSION_NOT_FOUND', 'No such session', 404)

// --- Abuse and availability ----------------------------------------------------------------
// Two limits answer 429, each saying which it is. The username's reads the same whether or not
// the name exists: unknown names are counted like real ones (src/domain/login-throttle.ts).
export const RateLimitedError = createError('AUTH_RATE_LIMITED', 'Too many requests from this IP address to this route: retry after %s seconds', 429)
/** LOGIN_MAX_FAILURES reached for a username: same code, and a RateLimitedError. */
export const UsernameLockedError = createError('AUTH_RATE_LIMITED',
  'Too many wrong passwords for this username: logins and password changes for it are refused for %s seconds', 429, base(RateLimitedError))
export const StoreUnavailableError = createError('AUTH_STORE_UNAVAILABLE', 'The session store is unavailable: retry shortly', 503)
/** Every 5xx but 503: a generic body, the cause in the log only. */
export const InternalError = createError('AUTH_INTERNAL_ERROR', 'Internal server error', 500)

/** The error classes whose instances carry a contract code (`error.code`). */
export type CodedError = InstanceType<typeof TokenInvalidError>

/** A RateLimitedError carrying the seconds to wait, which the error handler sends as Retry-After. */
export type RateLimited = InstanceType<typeof RateLimitedError> & { retryAfterSeconds: number }

export function usernameLocked (retryAfterSeconds: number): RateLimited {
  return Object.assign(new UsernameLockedError(String(retryAfterSeconds)), { retryAfterSeconds })
}

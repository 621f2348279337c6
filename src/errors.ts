// Every error code the server answers with, in one place. A code is a promise to clients and
// gateways (../shared/CONTRACT.md, "Errors"): add codes, never rename or reuse one.
import createError from '@fastify/error'

// --- Request shape -------------------------------------------------------------------------
export const BadRequestError = createError('AUTH_BAD_REQUEST', '%s', 400)

// --- Credentials ---------------------------------------------------------------------------
// Unknown user and wrong password share this one error so the answers are byte-identical.
export const InvalidCredentialsError = createError('AUTH_INVALID_CREDENTIALS', 'Invalid username or password', 401)
export const UsernameTakenError = createError('AUTH_USERNAME_TAKEN', 'That username is already registered', 409)

// --- Access tokens (401s on these routes carry WWW-Authenticate: Bearer, RFC 6750 §3) -------
export const TokenMissingError = createError('AUTH_TOKEN_MISSING', 'An access token is required: send Authorization: Bearer <token>', 401)
export const TokenInvalidError = createError('AUTH_TOKEN_INVALID', 'The access token is not valid', 401)
export const TokenExpiredError = createError('AUTH_TOKEN_EXPIRED', 'The access token has expired: refresh it', 401)

// --- Refresh tokens ------------------------------------------------------------------------
export const RefreshMissingError = createError('AUTH_REFRESH_MISSING', 'A refresh token is required', 401)
export const RefreshInvalidError = createError('AUTH_REFRESH_INVALID', 'The refresh token is not valid: log in again', 401)
export const RefreshReusedError = createError('AUTH_REFRESH_REUSED', 'The refresh token was already used: the session has ended, log in again', 401)
export const CsrfError = createError('AUTH_CSRF', 'A cookie-authenticated request must carry the X-Requested-With header', 403)

// --- Sessions ------------------------------------------------------------------------------
export const SessionNotFoundError = createError('AUTH_SESSION_NOT_FOUND', 'No such session', 404)

// --- Abuse and availability ----------------------------------------------------------------
export const RateLimitedError = createError('AUTH_RATE_LIMITED', 'Too many requests: retry after %s seconds', 429)
export const StoreUnavailableError = createError('AUTH_STORE_UNAVAILABLE', 'The session store is unavailable: retry shortly', 503)

/** The error classes whose instances carry a contract code (`error.code`). */
export type CodedError = InstanceType<typeof TokenInvalidError>

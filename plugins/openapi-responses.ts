// The error answers each route can give, for the OpenAPI document (plugins/openapi.ts). Route
// schemas declare their error bodies as '4xx'/503; this names every status and code behind them,
// taken from the error classes themselves so a code is still spelled only in src/errors.ts.
import {
  BadRequestError, CsrfError, FeedUnauthorizedError, InternalError, InvalidCredentialsError, RateLimitedError, RefreshInvalidError,
  RefreshMissingError, RefreshReusedError, SessionEndedError, SessionNotFoundError, StoreUnavailableError, TokenExpiredError,
  TokenInvalidError, TokenMissingError, UsernameTakenError, VALIDATION_ERROR_CODE
} from '../src/errors.js'

interface Documented { statusCode: number, code: string, when: string }

function documented (ErrorClass: new (...args: string[]) => { statusCode?: number, code: string }, when: string): Documented {
  const error = new ErrorClass('')
  return { statusCode: error.statusCode ?? 500, code: error.code, when }
}

const schemaRefused: Documented = { statusCode: 400, code: VALIDATION_ERROR_CODE, when: 'the request fails its schema (no type coercion; extra properties refused)' }
const badRequest = documented(BadRequestError, 'malformed request, e.g. an unknown header value or two refresh cookies')
const bodyTooLarge: Documented = { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', when: 'the body is larger than 16 KiB' }
const notJson: Documented = { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', when: 'the body is not application/json' }
const rateLimited = documented(RateLimitedError, 'too many requests from this IP to this route, or (login, password change) too many wrong passwords for the username; wait for Retry-After seconds')
const storeDown = documented(StoreUnavailableError, 'the session store is unavailable; retry shortly (Retry-After)')
const internal = documented(InternalError, 'an unexpected server fault')
const bearer = [
  documented(TokenMissingError, 'no Authorization: Bearer header'),
  documented(TokenInvalidError, 'the access token is not valid'),
  documented(TokenExpiredError, 'the access token has expired: refresh it'),
  documented(SessionEndedError, 'the access token is valid but its session has ended (logout, logout-all, reuse, password change, revoke): log in again')
]
const refresh = [
  documented(RefreshMissingError, 'no refresh token: send the cookie with X-Requested-With, or {refreshToken} with X-Token-Transport: body'),
  documented(CsrfError, 'the refresh cookie came without an X-Requested-With header')
]
const withBody = [schemaRefused, badRequest, bodyTooLarge, notJson]
const always = [rateLimited, internal]

/** Every error answer by route ("METHOD /path"), beyond the ones every route shares. */
const ROUTE_ERRORS: Record<string, Documented[]> = {
  'GET /health': [],
  'GET /ready': [storeDown],
  'GET /.well-known/jwks.json': [],
  'GET /api/me': [...bearer, storeDown],
  'POST /auth/register': [...withBody, documented(UsernameTakenError, 'the username is taken'), storeDown],
  'POST /auth/login': [...withBody, documented(InvalidCredentialsError, 'wrong username or password (one answer for both)'), storeDown],
  'POST /auth/password': [...withBody, ...bearer, documented(InvalidCredentialsError, 'currentPassword is wrong (the message says so)'), storeDown],
  'POST /auth/refresh': [...withBody, ...refresh,
    documented(RefreshInvalidError, 'unknown, expired or ended refresh token: log in again'),
    documented(RefreshReusedError, 'an already rotated refresh token was replayed after the grace window: the session is ended'),
    storeDown],
  'POST /auth/logout': [...withBody, ...refresh, ...bearer, storeDown],
  'POST /auth/logout-all': [...bearer, storeDown],
  'GET /auth/sessions': [...bearer, storeDown],
  'DELETE /auth/sessions/:id': [schemaRefused, ...bearer, documented(SessionNotFoundError, 'no such session of this user'), storeDown],
  'GET /auth/revocations': [schemaRefused,
    documented(BadRequestError, 'after or Last-Event-ID is not a cursor of this feed'),
    documented(FeedUnauthorizedError, 'no Authorization: Bearer with one of REVOCATION_FEED_TOKENS'),
    storeDown]
}

/** The error answers of one route grouped by status, each with its codes in the description. */
export function errorResponses (method: string, url: string): Map<number, string> {
  const errors = [...(ROUTE_ERRORS[`${method} ${url}`] ?? []), ...always]
  const byStatus = new Map<number, string[]>()
  for (const error of errors) {
    const lines = byStatus.get(error.statusCode) ?? []
    if (!lines.some((line) => line.startsWith(`\`${error.code}\``))) lines.push(`\`${error.code}\`: ${error.when}`)
    byStatus.set(error.statusCode, lines)
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b).map(([status, lines]) => [status, lines.join('; ')]))
}

/** Whether a route is listed here (the OpenAPI test checks every registered route is). */
export function hasDocumentedErrors (method: string, url: string): boolean {
  return `${method} ${url}` in ROUTE_ERRORS
}

// CORS for pages on other origins (docs/http-api.md, CORS_ORIGINS), through @fastify/cors. Only the
// origins listed, compared exactly, and only on the routes single-page apps call (/auth/*, /api/*):
// there they get the answer's body and may send credentials (the refresh cookie). Any other origin,
// and every other route, gets no CORS header at all, so the browser keeps the answer from the page.
// Unset, nothing is registered: same origin only, and OPTIONS stays a 404 as for any unknown route.
//
// The revocation feed lies under /auth but is read by gateways, which are servers: CORS does not
// concern them, and a browser's EventSource cannot send the feed token (Authorization) anyway. So
// Last-Event-ID is not among the allowed headers: a page cannot resume a feed it cannot open.
import fp from 'fastify-plugin'
import cors, { type FastifyCorsOptions } from '@fastify/cors'
import type { FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'

/** The request headers the contract uses: JSON bodies, bearer tokens, the CSRF header, the transport. */
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'X-Requested-With', 'X-Token-Transport']
/** Answer headers a page needs and the Fetch standard hides (a 429's wait, a 401's challenge, the limits). */
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'WWW-Authenticate', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']
/** How long a browser may reuse a preflight (Chromium caps it at 7200 s): one preflight per page visit or so. */
export const CORS_PREFLIGHT_MAX_AGE = 600

const CORS_ROUTES = /^\/(?:auth|api)\//

export default fp<{ config: Config }>(async function corsPlugin (fastify, { config }) {
  const listed = config.corsOrigins
  if (listed === undefined) return
  const allowed: FastifyCorsOptions = {
    // The request's own Origin, already checked against the list: the header then names one origin.
    origin: true,
    credentials: true,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_PREFLIGHT_MAX_AGE,
    // An OPTIONS from a listed origin without Access-Control-Request-Method is answered 204 like a
    // preflight rather than with the plugin's text/plain 400, which is not the contract's error shape.
    strictPreflight: false
  }
  const refused: FastifyCorsOptions = { origin: false }
  await fastify.register(cors, {
    hook: 'onRequest',
    delegator (request: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) {
      const origin = request.headers.origin
      const inScope = CORS_ROUTES.test(request.url) && origin !== undefined && listed.includes(origin)
      callback(null, inScope ? allowed : refused)
    }
  })
}, { name: 'cors' })

// Bearer authentication for routes that take an access token (RFC 6750 §2.1). Decorates
// `fastify.authenticate`, a hook for routes declared with `config: { bearer: true }` (whose 401s then
// carry WWW-Authenticate, plugins/errors.ts), and `request.auth` on those routes.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { TokenInvalidError, TokenMissingError } from '../src/errors.js'

/** Who the request's access token speaks for. `exp` is seconds since the epoch. */
export interface RequestAuth {
  userId: string
  sessionId: string
  scope: string
  jti: string
  exp: number
}

export type Authenticate = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

declare module 'fastify' {
  interface FastifyInstance {
    /** Verifies `Authorization: Bearer <token>` and sets `request.auth`; use with `config: { bearer: true }`. */
    authenticate: Authenticate
  }
  interface FastifyRequest {
    /** Set by fastify.authenticate: only meaningful on routes that run it. */
    auth: RequestAuth
  }
}

const BEARER_PREFIX = 'Bearer '
// RFC 7235 §2.1: the scheme is case-insensitive; RFC 6750 §2.1: one or more spaces, then the token.
const BEARER_ANY_CASE = /^bearer +(\S+)$/i

function bearerToken (header: string | undefined): string {
  if (header === undefined || header === '') throw new TokenMissingError()
  if (header.startsWith(BEARER_PREFIX) && header.charCodeAt(BEARER_PREFIX.length) !== 32) return header.slice(BEARER_PREFIX.length)
  const match = BEARER_ANY_CASE.exec(header)
  if (match === null) throw new TokenInvalidError()
  return match[1] as string
}

function hooksOf (value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value]
}

export default fp(async function authenticatePlugin (fastify) {
  const { accessTokens } = fastify

  const authenticate: Authenticate = function authenticate (request, _reply, done) {
    try {
      const claims = accessTokens.verify(bearerToken(request.headers.authorization))
      request.auth = { userId: claims.sub, sessionId: claims.sid, scope: claims.scope, jti: claims.jti, exp: claims.exp }
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  }

  fastify.decorate('authenticate', authenticate)
  fastify.decorateRequest('auth', null as unknown as RequestAuth)

  // The two halves of a bearer route must go together: without the hook the route is open, without
  // the flag its 401s lack WWW-Authenticate. Catch either slip when the route is declared.
  // (`bearer: 'optional'` routes call fastify.authenticate from their handler, when a token is sent.)
  fastify.addHook('onRoute', (route) => {
    const runsAuthenticate = [route.onRequest, route.preValidation, route.preHandler]
      .some((hooks) => hooksOf(hooks).includes(authenticate))
    const declaresBearer = route.config?.bearer === true
    // 'optional': the handler authenticates itself when no other credential came (POST /auth/logout).
    if (route.config?.bearer !== 'optional' && runsAuthenticate !== declaresBearer) {
      throw new Error(`route ${route.method.toString()} ${route.url} must have both config.bearer: true and fastify.authenticate, or neither`)
    }
  })
}, { name: 'authenticate', dependencies: ['access-tokens', 'errors'] })

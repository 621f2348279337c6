// Refresh and logout: the two routes that take a refresh token (cookie or body).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { RefreshInvalidError, RefreshMissingError, RefreshReusedError } from '../errors.js'
import { DEFAULT_SCOPE, endSession, endSessionByRefreshToken, rotateSession, type RotationError } from '../domain/sessions.js'
import { ErrorSchema, RefreshBodySchema, TokenResponseSchema, TokenTransportHeaders } from '../schemas/common.js'

// Cookie clients send no body at all; body clients send {refreshToken}. The description is also the
// message for a body missing refreshToken (plugins/validation-messages.ts): a cookie client sending
// {} is refused before its cookie is read, and has to be told to drop the body.
const OptionalRefreshBody = Type.Union([RefreshBodySchema, Type.Null()], {
  description: 'with the body transport (X-Token-Transport: body) the body must hold refreshToken; ' +
    'with the cookie transport send no body at all, not even {}, and the refresh cookie with an X-Requested-With header'
})

/** The client presenting a refresh token, as its session records it. */
function client (request: FastifyRequest): { ip: string, userAgent: string } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' }
}

const tokenRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const sessionDeps = { store: fastify.store, keys: fastify.keyRing, config: fastify.config, now: fastify.now, revocations: fastify.revocations }

  const { perIpLimit } = fastify

  // The per-IP limit is counted by the rotation itself: one store round trip a refresh
  // (plugins/rate-limit.ts). A request refused before it is counted here, on its way out.
  fastify.post('/auth/refresh', {
    schema: { body: OptionalRefreshBody, headers: TokenTransportHeaders, response: { 200: TokenResponseSchema, '4xx': ErrorSchema, 503: ErrorSchema } },
    config: { perIpLimit: 'in-route' },
    errorHandler: perIpLimit.errorHandler
  }, async (request, reply) => {
    const presented = request.presentedRefreshToken()
    if (presented === null) throw new RefreshMissingError()
    let issued
    try {
      issued = await rotateSession(sessionDeps, presented.token, client(request), perIpLimit.counterOf(request))
    } catch (error) {
      const { userId, sessionId, counted } = error as RotationError
      // A token refused before the store (its MAC) is counted here, ahead of the audit: one over
      // the limit answers 429, which is no refresh result and clears no cookie. (An unreachable
      // store is not asked again: its 503 goes out at once.)
      if (counted !== undefined) perIpLimit.settle(request, reply, counted)
      else if (error instanceof RefreshInvalidError) await perIpLimit.countUnlessCounted(request, reply)
      if (error instanceof RefreshReusedError) fastify.audit.reuseDetected(request, userId ?? '', sessionId ?? '')
      if (error instanceof RefreshInvalidError) fastify.audit.refreshInvalid()
      // Only a token the store says is dead clears the cookie: a 503 or a 429 spent nothing, and a
      // browser whose cookie went with it would be logged out by an outage.
      const dead = error instanceof RefreshInvalidError || error instanceof RefreshReusedError
      if (dead && presented.via === 'cookie') reply.clearRefreshCookie()
      throw error
    }
    if (issued.counted !== undefined) perIpLimit.settle(request, reply, issued.counted)
    const { userId, sessionId } = issued
    if (issued.replay !== undefined) fastify.audit.refreshReplay(request, userId, sessionId, issued.replay)
    else fastify.audit.refresh(request, userId, sessionId)
    const access = fastify.accessTokens.sign({ userId, sessionId, scope: DEFAULT_SCOPE })
    const body = { accessToken: access.token, tokenType: 'Bearer' as const, expiresIn: access.expiresIn }
    if (presented.via === 'body') return { ...body, refreshToken: issued.refreshToken }
    reply.setRefreshCookie(issued.refreshToken, issued.expiresAt, fastify.now())
    return body
  })

  // Idempotent: an unknown or already-ended token still answers 204 and clears the cookie.
  fastify.post('/auth/logout', {
    schema: { body: OptionalRefreshBody, headers: TokenTransportHeaders, response: { 204: Type.Null(), '4xx': ErrorSchema, 503: ErrorSchema } },
    config: { bearer: 'optional' }
  }, async (request, reply) => {
    const presented = request.presentedRefreshToken()
    if (presented !== null) {
      const ended = await endSessionByRefreshToken(sessionDeps, presented.token)
      if (ended !== null) fastify.audit.logout(request, ended.userId, ended.sessionId)
    } else if (request.headers.authorization !== undefined) {
      await new Promise<void>((resolve, reject) => {
        fastify.authenticate(request, reply, (error) => { if (error) reject(error); else resolve() })
      })
      const { userId, sessionId } = request.auth
      if (await endSession(sessionDeps, userId, sessionId, 'logout')) {
        fastify.audit.logout(request, userId, sessionId)
      }
    } else {
      throw new RefreshMissingError()
    }
    return await reply.clearRefreshCookie().code(204).send(null)
  })
}

export default tokenRoutes

// A user's view of their sessions: list them, end one, end them all. All take an access token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SessionNotFoundError } from '../errors.js'
import { ErrorSchema } from '../schemas/common.js'

const SessionSchema = Type.Object({
  id: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  ip: Type.String(),
  userAgent: Type.String(),
  current: Type.Boolean()
}, { additionalProperties: false })

const SessionListSchema = Type.Object({ sessions: Type.Array(SessionSchema) }, { additionalProperties: false })

const sessionRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  // Authenticate in onRequest: a request without a valid token gets its 401 before any body parsing.
  const bearer = { config: { bearer: true }, onRequest: fastify.authenticate }

  fastify.post('/auth/logout-all', {
    ...bearer,
    schema: { response: { 204: Type.Null(), '4xx': ErrorSchema, 503: ErrorSchema } }
  }, async (request, reply) => {
    const { userId, sessionId } = request.auth
    const ended = await fastify.store.endAllSessions(userId, fastify.now())
    request.log.info({ event: 'logout-all', userId, sessionId, sessionsEnded: ended }, 'logout everywhere')
    return await reply.clearRefreshCookie().code(204).send(null)
  })

  fastify.get('/auth/sessions', {
    ...bearer,
    schema: { response: { 200: SessionListSchema, '4xx': ErrorSchema, 503: ErrorSchema } }
  }, async (request) => {
    const sessions = await fastify.store.listSessions(request.auth.userId, fastify.now())
    return {
      sessions: sessions.map((session) => ({
        id: session.id,
        createdAt: new Date(session.createdAt).toISOString(),
        lastUsedAt: new Date(session.lastUsedAt).toISOString(),
        expiresAt: new Date(session.expiresAt).toISOString(),
        ip: session.ip,
        userAgent: session.userAgent,
        current: session.id === request.auth.sessionId
      }))
    }
  })

  fastify.delete('/auth/sessions/:id', {
    ...bearer,
    schema: {
      params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
      response: { 204: Type.Null(), '4xx': ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const { userId, sessionId } = request.auth
    // The store looks the id up under the caller's own user key, so another user's id is simply absent.
    if (!await fastify.store.endSession(userId, request.params.id, 'revoked', fastify.now())) throw new SessionNotFoundError()
    request.log.info({ event: 'session-revoked', userId, sessionId, revokedSessionId: request.params.id }, 'session revoked')
    return await reply.code(204).send(null)
  })
}

export default sessionRoutes

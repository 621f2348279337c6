// A user's view of their sessions: list them, end one, end them all. All take an access token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { endAllSessions, listSessions, revokeSession } from '../domain/sessions.js'
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
  const deps = { store: fastify.store, now: fastify.now, revocations: fastify.revocations }
  // Authenticate in onRequest: a request without a valid token gets its 401 before any body parsing.
  const bearer = { config: { bearer: true }, onRequest: fastify.authenticate }

  fastify.post('/auth/logout-all', {
    ...bearer,
    schema: { response: { 204: Type.Null(), '4xx': ErrorSchema, 503: ErrorSchema } }
  }, async (request, reply) => {
    const { userId, sessionId } = request.auth
    const ended = await endAllSessions(deps, userId)
    fastify.audit.logoutAll(request, userId, sessionId, ended)
    return await reply.clearRefreshCookie().code(204).send(null)
  })

  fastify.get('/auth/sessions', {
    ...bearer,
    schema: { response: { 200: SessionListSchema, '4xx': ErrorSchema, 503: ErrorSchema } }
  }, async (request) => {
    const sessions = await listSessions(deps, request.auth.userId, request.auth.sessionId)
    return {
      sessions: sessions.map((session) => ({
        id: session.id,
        createdAt: new Date(session.createdAt).toISOString(),
        lastUsedAt: new Date(session.lastUsedAt).toISOString(),
        expiresAt: new Date(session.expiresAt).toISOString(),
        ip: session.ip,
        userAgent: session.userAgent,
        current: session.current
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
    await revokeSession(deps, userId, request.params.id)
    fastify.audit.sessionRevoked(request, userId, request.params.id, sessionId)
    return await reply.code(204).send(null)
  })
}

export default sessionRoutes

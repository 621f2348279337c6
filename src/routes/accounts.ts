// Accounts: register, log in (starts a session), change password (ends every other session).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { InvalidCredentialsError, RateLimitedError } from '../errors.js'
import { changePassword, logIn, registerAccount, type RefusedCredentials } from '../domain/accounts.js'
import { DEFAULT_SCOPE } from '../domain/sessions.js'
import { CredentialsSchema, ErrorSchema, TokenResponseSchema, TokenTransportHeaders, UserSchema } from '../schemas/common.js'

const PasswordChangeSchema = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 4096 }),
  newPassword: Type.String({ minLength: 1, maxLength: 4096 })
}, { additionalProperties: false })

const accountRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const deps = { store: fastify.store, keys: fastify.keyRing, config: fastify.config, now: fastify.now, revocations: fastify.revocations }

  fastify.post('/auth/register', {
    schema: { body: CredentialsSchema, response: { 201: UserSchema, '4xx': ErrorSchema, 503: ErrorSchema } }
  }, async (request, reply) => {
    const account = await registerAccount(deps, request.body)
    fastify.audit.register(request, account.id)
    return await reply.code(201).send(account)
  })

  // The per-IP count goes out with the username's failure count and the lookup (one round trip):
  // the domain decides nothing before all three are back.
  fastify.post('/auth/login', {
    schema: { body: CredentialsSchema, headers: TokenTransportHeaders, response: { 200: TokenResponseSchema, '4xx': ErrorSchema, 503: ErrorSchema } },
    config: { perIpLimit: 'in-route' },
    errorHandler: async (error, request, reply) => {
      // A login refused before the handler reached the count (its body or its username) is counted
      // here, and past the limit its answer becomes a 429: a throttled login like any other
      // (docs/metrics.md, docs/audit-events.md).
      return await fastify.perIpLimit.errorHandler(error, request, reply).catch((answer: unknown) => {
        if (answer !== error && answer instanceof RateLimitedError) fastify.audit.loginThrottled(request)
        throw answer
      })
    }
  }, async (request, reply) => {
    const client = { ip: request.ip, userAgent: request.headers['user-agent'] ?? '', deviceCookies: request.presentedDeviceCookies() }
    let loggedIn
    try {
      loggedIn = await logIn(deps, request.body, client, async () => { await fastify.perIpLimit.countUnlessCounted(request, reply) })
    } catch (error) {
      if (error instanceof InvalidCredentialsError) {
        const refusal = error as RefusedCredentials
        fastify.audit.loginFailed(request, refusal.reason, refusal.reason === 'wrong_password' ? refusal.userId : undefined)
      } else if (error instanceof RateLimitedError) {
        fastify.audit.loginThrottled(request)
      }
      throw error
    }
    const { user, session } = loggedIn
    if (loggedIn.releaseError !== undefined) request.log.warn({ err: loggedIn.releaseError }, 'login: could not take back the reserved attempt')
    const access = fastify.accessTokens.sign({ userId: user.id, sessionId: session.sessionId, scope: DEFAULT_SCOPE })
    fastify.audit.login(request, user.id, session.sessionId)
    for (const evicted of session.evictedSessionIds ?? []) fastify.audit.sessionEvicted(request, user.id, evicted, session.sessionId)
    const body = { accessToken: access.token, tokenType: 'Bearer' as const, expiresIn: access.expiresIn }
    if (request.tokenTransport() === 'body') return { ...body, refreshToken: session.refreshToken }
    // Cookie clients (browsers) also get a device cookie: body clients asked for no cookies.
    const now = fastify.now()
    reply.setRefreshCookie(session.refreshToken, session.expiresAt, now).setDeviceCookie(loggedIn.deviceCookie, now)
    return body
  })

  fastify.post('/auth/password', {
    schema: { body: PasswordChangeSchema, response: { 204: Type.Null(), '4xx': ErrorSchema, 503: ErrorSchema } },
    config: { bearer: true },
    onRequest: fastify.authenticate
  }, async (request, reply) => {
    const { userId, sessionId } = request.auth
    const { currentPassword, newPassword } = request.body
    let ended
    try {
      ended = await changePassword(deps, { userId, keepSessionId: sessionId, currentPassword, newPassword, deviceCookies: request.presentedDeviceCookies() })
    } catch (error) {
      if (error instanceof InvalidCredentialsError) fastify.audit.passwordChangeFailed(request, userId, sessionId)
      throw error
    }
    fastify.audit.passwordChanged(request, userId, sessionId, ended)
    return await reply.code(204).send(null)
  })
}

export default accountRoutes

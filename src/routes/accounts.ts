// Accounts: register, log in (starts a session), change password (ends every other session).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { BadRequestError, InvalidCredentialsError, UsernameTakenError } from '../errors.js'
import { dummyPasswordHash, hashPassword, normalisePassword, verifyPassword } from '../domain/passwords.js'
import { newId } from '../domain/refresh-tokens.js'
import { startSession } from '../domain/sessions.js'
import { normaliseUsername } from '../domain/usernames.js'
import { CredentialsSchema, ErrorSchema, TokenResponseSchema, TokenTransportHeaders, UserSchema } from '../schemas/common.js'
import type { UserRecord } from '../store/types.js'

/** Scope of every access token this server issues: its own API. */
export const DEFAULT_SCOPE = 'api'

const PasswordChangeSchema = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 4096 }),
  newPassword: Type.String({ minLength: 1, maxLength: 4096 })
}, { additionalProperties: false })

function requireUsername (raw: string): string {
  const username = normaliseUsername(raw)
  if (username === null) throw new BadRequestError('username must be 3 to 64 characters after NFKC normalisation, without control characters')
  return username
}

function requirePassword (raw: string, field = 'password'): string {
  const password = normalisePassword(raw)
  if (password === null) throw new BadRequestError(`${field} must be 8 to 1024 characters after NFKC normalisation`)
  return password
}

/**
 * Checks a password so that an unknown user costs the same argon2 work as a wrong password and
 * both end in the same InvalidCredentialsError (CONTRACT.md, AUTH_INVALID_CREDENTIALS).
 */
async function checkPassword (user: UserRecord | null, password: string): Promise<UserRecord> {
  const matches = await verifyPassword(user?.passwordHash ?? await dummyPasswordHash(), password)
  if (user === null || !matches) throw new InvalidCredentialsError()
  return user
}

const accountRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const sessionDeps = { store: fastify.store, keys: fastify.keyRing, config: fastify.config, now: fastify.now }

  async function issueTokens (request: FastifyRequest, reply: FastifyReply, user: UserRecord) {
    const session = await startSession(sessionDeps, { userId: user.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? '' })
    const access = fastify.accessTokens.sign({ userId: user.id, sessionId: session.sessionId, scope: DEFAULT_SCOPE })
    request.log.info({ event: 'login', userId: user.id, sessionId: session.sessionId }, 'login')
    const body = { accessToken: access.token, tokenType: 'Bearer' as const, expiresIn: access.expiresIn }
    if (request.tokenTransport() === 'body') return { ...body, refreshToken: session.refreshToken }
    reply.setRefreshCookie(session.refreshToken, session.expiresAt, fastify.now())
    return body
  }

  fastify.post('/auth/register', {
    schema: { body: CredentialsSchema, response: { 201: UserSchema, '4xx': ErrorSchema, 503: ErrorSchema } }
  }, async (request, reply) => {
    const username = requireUsername(request.body.username)
    const password = requirePassword(request.body.password)
    // Spare the argon2 work for a name already taken; createUser below stays the atomic check.
    if (await fastify.store.findUserByUsername(username) !== null) throw new UsernameTakenError()
    const user = { id: newId(), username, passwordHash: await hashPassword(password), createdAt: fastify.now() }
    if (await fastify.store.createUser(user) === 'taken') throw new UsernameTakenError()
    request.log.info({ event: 'register', userId: user.id }, 'registered')
    return await reply.code(201).send({ id: user.id, username })
  })

  fastify.post('/auth/login', {
    schema: { body: CredentialsSchema, headers: TokenTransportHeaders, response: { 200: TokenResponseSchema, '4xx': ErrorSchema, 503: ErrorSchema } },
    preHandler: fastify.loginGuard
  }, async (request, reply) => {
    // loginGuard counted this attempt as a failure in advance: it stays counted only if it is one.
    let user: UserRecord
    try {
      const username = requireUsername(request.body.username)
      const password = requirePassword(request.body.password)
      user = await checkPassword(await fastify.store.findUserByUsername(username), password)
    } catch (error) {
      if (error instanceof InvalidCredentialsError) {
        request.log.info({ event: 'login-failed' }, 'login failed')
      } else {
        await fastify.releaseLoginAttempt(request).catch(() => { /* the store is away: the original error says so */ })
      }
      throw error
    }
    await fastify.releaseLoginAttempt(request)
    return await issueTokens(request, reply, user)
  })

  fastify.post('/auth/password', {
    schema: { body: PasswordChangeSchema, response: { 204: Type.Null(), '4xx': ErrorSchema, 503: ErrorSchema } },
    config: { bearer: true },
    onRequest: fastify.authenticate
  }, async (request, reply) => {
    const current = requirePassword(request.body.currentPassword, 'currentPassword')
    const next = requirePassword(request.body.newPassword, 'newPassword')
    const { userId, sessionId } = request.auth
    const user = await checkPassword(await fastify.store.findUserById(userId), current)
    const ended = await fastify.store.changePassword({
      userId, previousPasswordHash: user.passwordHash, passwordHash: await hashPassword(next), keepSessionId: sessionId, now: fastify.now()
    })
    if (ended < 0) throw new InvalidCredentialsError()
    request.log.info({ event: 'password-changed', userId, sessionId, sessionsEnded: ended }, 'password changed')
    return await reply.code(204).send(null)
  })
}

export default accountRoutes

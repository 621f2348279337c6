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

  // The per-IP count, the username's failure count and the lookup go out together (one round trip)
  // and nothing is decided before all three are back: a refused request hashes nothing.
  fastify.post('/auth/login', {
    schema: { body: CredentialsSchema, headers: TokenTransportHeaders, response: { 200: TokenResponseSchema, '4xx': ErrorSchema, 503: ErrorSchema } },
    config: { perIpLimit: 'in-route' },
    errorHandler: fastify.perIpLimit.errorHandler
  }, async (request, reply) => {
    const username = requireUsername(request.body.username)
    // The attempt is counted as a failure in advance and stays counted only if it is one
    // (plugins/login-throttle.ts). All three are settled before anything is decided, so no
    // reservation is left behind by a call that failed first.
    const [perIp, reserving, lookingUp] = await Promise.allSettled([
      fastify.perIpLimit.countUnlessCounted(request, reply),
      fastify.reserveLoginAttempt(request, reply, username),
      fastify.store.findUserByUsername(username)
    ])
    if (perIp.status === 'rejected') {
      // Refused for the IP: no guess was made, so the username's count goes back.
      await fastify.releaseLoginAttempt(request).catch(() => { /* the store is away: the original error says so */ })
      throw perIp.reason
    }
    if (reserving.status === 'rejected') throw reserving.reason
    let user: UserRecord
    try {
      if (lookingUp.status === 'rejected') throw lookingUp.reason
      user = await checkPassword(lookingUp.value, requirePassword(request.body.password))
    } catch (error) {
      if (error instanceof InvalidCredentialsError) {
        request.log.info({ event: 'login-failed' }, 'login failed')
      } else {
        await fastify.releaseLoginAttempt(request).catch(() => { /* the store is away: the original error says so */ })
      }
      throw error
    }
    // Not a failure: the reservation goes back in the same round trip as the new session. If only
    // the give-back fails, the login still succeeds and the attempt stays counted (the safe side).
    const [issued] = await Promise.all([
      issueTokens(request, reply, user),
      fastify.releaseLoginAttempt(request).catch((error: unknown) => {
        request.log.warn({ err: error }, 'login: could not take back the reserved attempt')
      })
    ])
    return issued
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

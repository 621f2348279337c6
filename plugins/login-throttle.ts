// Failed logins per username (CONTRACT.md, LOGIN_MAX_FAILURES): after that many failures in 15
// minutes, logins for the name answer 429 until the window passes. Counted in the store so every
// instance shares the count; checked before any password hashing; unknown names are counted the
// same way as real ones, so the limit reveals nothing about which accounts exist. A success does not
// reset the count: that would hand a guesser a fresh budget whenever the owner logs in.
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { Config } from '../src/config.js'
import { RateLimitedError } from '../src/errors.js'
import { normaliseUsername } from '../src/domain/usernames.js'

export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for POST /auth/login: 429 while the username is locked out. */
    loginGuard: preHandlerAsyncHookHandler
    recordLoginFailure (request: FastifyRequest, normalisedUsername: string): Promise<void>
  }
}

function failureKey (normalisedUsername: string): string {
  return 'login-failures:' + createHash('sha256').update(normalisedUsername).digest('base64url')
}

export default fp<{ config: Config }>(async function loginThrottlePlugin (fastify, { config }) {
  fastify.decorate('loginGuard', async function loginGuard (request: FastifyRequest, reply) {
    const body = request.body as { username?: unknown }
    const username = typeof body.username === 'string' ? normaliseUsername(body.username) : null
    if (username === null) return
    const now = fastify.now()
    const failures = await fastify.store.readCounter(failureKey(username), now)
    if (failures.count >= config.loginMaxFailures) {
      const retryAfter = Math.max(1, Math.ceil((failures.resetAt - now) / 1000))
      reply.header('retry-after', String(retryAfter))
      throw new RateLimitedError(String(retryAfter))
    }
  })

  fastify.decorate('recordLoginFailure', async function recordLoginFailure (_request: FastifyRequest, normalisedUsername: string) {
    await fastify.store.incrementCounter(failureKey(normalisedUsername), LOGIN_FAILURE_WINDOW_MS, fastify.now())
  })
}, { name: 'login-throttle', dependencies: ['store'] })

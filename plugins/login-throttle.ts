// Failed logins per username (CONTRACT.md, LOGIN_MAX_FAILURES): after that many failures in 15
// minutes, logins for the name answer 429 until the window passes. Counted in the store so every
// instance shares the count; checked before any password hashing; unknown names are counted the
// same way as real ones, so the limit reveals nothing about which accounts exist. A success does not
// reset the count: that would hand a guesser a fresh budget whenever the owner logs in.
//
// The attempt is counted BEFORE the password is checked, as a reservation, and taken back when the
// login turns out not to be a failure (a success, a malformed body, an outage). Reading the count
// first and adding the failure after the hash let concurrent guesses all pass the check before any
// was counted: 12 parallel wrong passwords against a limit of 4 were all hashed, none refused.
// The login route reserves and looks the user up at once, and releases while it starts the session:
// each pair is one round trip (issue 6).
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../src/config.js'
import { RateLimitedError } from '../src/errors.js'

export const LOGIN_FAILURE_WINDOW_MS = 15 * 60 * 1000

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts a login attempt for `normalisedUsername` as a failure in advance; past the limit it
     * takes the count back and throws RateLimitedError (with Retry-After set on `reply`). The route
     * must call releaseLoginAttempt unless the password was wrong (or the user unknown).
     */
    reserveLoginAttempt (request: FastifyRequest, reply: FastifyReply, normalisedUsername: string): Promise<void>
    /** Takes back the attempt reserveLoginAttempt counted for this request, if it counted one. */
    releaseLoginAttempt (request: FastifyRequest): Promise<void>
  }
}

function failureKey (normalisedUsername: string): string {
  return 'login-failures:' + createHash('sha256').update(normalisedUsername).digest('base64url')
}

export default fp<{ config: Config }>(async function loginThrottlePlugin (fastify, { config }) {
  // The counter key each request reserved an attempt under.
  const reserved = new WeakMap<FastifyRequest, string>()

  fastify.decorate('reserveLoginAttempt', async function reserveLoginAttempt (request: FastifyRequest, reply: FastifyReply, normalisedUsername: string) {
    const now = fastify.now()
    const key = failureKey(normalisedUsername)
    const attempts = await fastify.store.incrementCounter(key, LOGIN_FAILURE_WINDOW_MS, now)
    if (attempts.count > config.loginMaxFailures) {
      // A refused attempt is no guess: it does not count.
      await fastify.store.releaseCounterHit(key)
      const retryAfter = Math.max(1, Math.ceil((attempts.resetAt - now) / 1000))
      reply.header('retry-after', String(retryAfter))
      throw new RateLimitedError(String(retryAfter))
    }
    reserved.set(request, key)
  })

  fastify.decorate('releaseLoginAttempt', async function releaseLoginAttempt (request: FastifyRequest) {
    const key = reserved.get(request)
    if (key === undefined) return
    reserved.delete(request)
    await fastify.store.releaseCounterHit(key)
  })
}, { name: 'login-throttle', dependencies: ['store'] })

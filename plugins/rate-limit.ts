// Per-IP request limits on every /auth/* route (docs/http-api.md, RATE_LIMIT_PER_MINUTE): one fixed
// one-minute window per client IP and route, counted through AuthStore.incrementCounter, so on Redis
// every instance shares the count and the embedded store keeps its own.
//
// The limiter is put FIRST among each /auth route's onRequest hooks: it answers before bearer
// verification, body parsing and any argon2 work, so a flood costs one counter increment a request.
//
// POST /auth/refresh and POST /auth/login count in the route instead (`config: { perIpLimit:
// 'in-route' }`), so the count costs no round trip of its own: the rotation script counts
// the request first, in the same step; login sends the count together with its username lookup and
// decides on nothing before both are back. Requests refused before that (a body failing its schema,
// a token failing its MAC, a CSRF refusal) are counted on their own by the route's error handler
// (perIpLimit.errorHandler), so every request is still counted exactly once, before its answer.
//
// When the store cannot count (Redis down or frozen) the limiter answers 503 AUTH_STORE_UNAVAILABLE
// rather than failing open. Every /auth route needs the store anyway, so failing open would buy no
// availability: the route would only wait on the dead store a second time, and the two waits together
// would break the contract's "503 within 2 seconds" (docs/http-api.md, "Errors").
import fp from 'fastify-plugin'
import rateLimit, { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyError, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify'
import type { Config } from '../src/config.js'
import { RateLimitedError, StoreUnavailableError } from '../src/errors.js'
import type { AuthStore, CounterState } from '../src/store/types.js'

export const RATE_LIMIT_WINDOW_MS = 60_000

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'in-route': the route counts its per-IP limit itself, through fastify.perIpLimit.
     * 'exempt': not counted (GET /auth/revocations, whose readers prove themselves with a feed token).
     */
    perIpLimit?: 'in-route' | 'exempt'
  }
  interface FastifyInstance {
    perIpLimit: PerIpLimit
  }
  interface FastifyRequest {
    /** Set once the request's per-IP count is taken, so it is never counted twice. */
    perIpCounted: boolean
  }
}

/** For routes that count their per-IP limit in a store call of their own. */
export interface PerIpLimit {
  /** The counter to hand to that store call. */
  counterOf (request: FastifyRequest): { key: string, windowMs: number, max: number }
  /** Takes the count that call made: the rate-limit headers, and RateLimitedError past the limit. */
  settle (request: FastifyRequest, reply: FastifyReply, counted: CounterState): void
  /** Counts a request that did not reach that call (refused before it), unless it was counted. */
  countUnlessCounted (request: FastifyRequest, reply: FastifyReply): Promise<void>
  /**
   * The route's errorHandler: counts a refused request that was not counted yet (its answer turns
   * into 429 past the limit), then rethrows. A store that cannot answer cannot count: its 503 goes
   * out at once.
   */
  errorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<never>
}

/** Counter key of one client IP on one route; the route's pattern, so /auth/sessions/:id is one bucket. */
export function rateLimitKey (request: FastifyRequest): string {
  // Fastify builds routeOptions afresh on every read: read it once. An address without ':' is not
  // IPv6, and normalizeIP would only lowercase it, after running Node's IPv6 regex over it on every
  // refresh and login.
  const { method, url } = request.routeOptions
  const ip = request.ip
  return `rate:${method as string} ${url ?? ''} ${ip.includes(':') ? normalizeIP(ip) : ip.toLowerCase()}`
}

/** @fastify/rate-limit's store interface over our AuthStore's fixed-window counters. */
function counterStore (store: AuthStore, now: () => number): FastifyRateLimitStoreCtor {
  return class AuthStoreRateLimitStore implements FastifyRateLimitStore {
    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number): void {
      const at = now()
      store.incrementCounter(key, timeWindow, at).then(
        // At least 1 ms left, so Retry-After is never 0 (a client would retry at once).
        (state) => { callback(null, { current: state.count, ttl: Math.max(1, state.resetAt - at) }) },
        (error: Error) => { callback(error) }
      )
    }

    // The route is already in the key (rateLimitKey), so every route can share this one store.
    child (): FastifyRateLimitStore {
      return this
    }
  }
}

function isAuthRoute (url: string): boolean {
  return url.startsWith('/auth/')
}

export default fp<{ config: Config }>(async function rateLimitPlugin (fastify, { config }) {
  await fastify.register(rateLimit, {
    global: false,
    max: config.rateLimitPerMinute,
    timeWindow: RATE_LIMIT_WINDOW_MS,
    store: counterStore(fastify.store, fastify.now),
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) => new RateLimitedError(String(Math.ceil(context.ttl / 1000)))
  })
  const limiter = fastify.rateLimit() as onRequestAsyncHookHandler

  // A field of every request rather than a WeakSet: adding to a WeakSet on every refresh and login
  // costs an ephemeron entry the garbage collector must trace.
  fastify.decorateRequest('perIpCounted', false)
  const perIpLimit: PerIpLimit = {
    counterOf: (request) => ({ key: rateLimitKey(request), windowMs: RATE_LIMIT_WINDOW_MS, max: config.rateLimitPerMinute }),
    settle (request, reply, state) {
      request.perIpCounted = true
      // The same headers @fastify/rate-limit sends on the other /auth routes.
      const resetSeconds = Math.max(1, Math.ceil((state.resetAt - fastify.now()) / 1000))
      reply.header('x-ratelimit-limit', config.rateLimitPerMinute)
      reply.header('x-ratelimit-remaining', Math.max(0, config.rateLimitPerMinute - state.count))
      reply.header('x-ratelimit-reset', resetSeconds)
      if (state.count > config.rateLimitPerMinute) {
        reply.header('retry-after', resetSeconds)
        throw new RateLimitedError(String(resetSeconds))
      }
    },
    async countUnlessCounted (request, reply) {
      if (request.perIpCounted) return
      const { key, windowMs } = perIpLimit.counterOf(request)
      perIpLimit.settle(request, reply, await fastify.store.incrementCounter(key, windowMs, fastify.now()))
    },
    async errorHandler (error, request, reply) {
      if (!(error instanceof StoreUnavailableError)) await perIpLimit.countUnlessCounted(request, reply)
      throw error
    }
  }
  fastify.decorate('perIpLimit', perIpLimit)

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!isAuthRoute(route.url) || route.config?.perIpLimit !== undefined) return
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
    route.onRequest = [limiter, ...existing]
  })
}, { name: 'rate-limit', dependencies: ['store'] })

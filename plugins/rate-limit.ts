// Per-IP request limits on every /auth/* route (CONTRACT.md, RATE_LIMIT_PER_MINUTE): one fixed
// one-minute window per client IP and route, counted through AuthStore.incrementCounter, so on Redis
// every instance shares the count and the embedded store keeps its own.
//
// The limiter is put FIRST among each /auth route's onRequest hooks: it answers before bearer
// verification, body parsing and any argon2 work, so a flood costs one counter increment a request.
//
// When the store cannot count (Redis down or frozen) the limiter answers 503 AUTH_STORE_UNAVAILABLE
// rather than failing open. Every /auth route needs the store anyway, so failing open would buy no
// availability: the route would only wait on the dead store a second time, and the two waits together
// would break the contract's "503 within 2 seconds" (issue 5).
import fp from 'fastify-plugin'
import rateLimit, { normalizeIP, type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { FastifyRequest, onRequestAsyncHookHandler, RouteOptions } from 'fastify'
import type { Config } from '../src/config.js'
import { RateLimitedError } from '../src/errors.js'
import type { AuthStore } from '../src/store/types.js'

export const RATE_LIMIT_WINDOW_MS = 60_000

/** Counter key of one client IP on one route; the route's pattern, so /auth/sessions/:id is one bucket. */
export function rateLimitKey (request: FastifyRequest): string {
  return `rate:${request.routeOptions.method as string} ${request.routeOptions.url ?? ''} ${normalizeIP(request.ip)}`
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

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!isAuthRoute(route.url)) return
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
    route.onRequest = [limiter, ...existing]
  })
}, { name: 'rate-limit', dependencies: ['store'] })

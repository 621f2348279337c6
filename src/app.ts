// Builds the server from a parsed configuration. Never listens (src/server.ts does). Every plugin is
// registered here, in dependency order, so the whole graph reads in one screen.
import type { Server } from 'node:http'
import Fastify, { type FastifyHttpOptions, type FastifyInstance, type RouteOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import type { AuthStore } from './store/types.js'
import { fastifyLogging } from './logger.js'
import errorsPlugin, { BODY_LIMIT, clientErrorHandler, frameworkErrorHandler } from '../plugins/errors.js'
import jsonBodyPlugin from '../plugins/json-body.js'
import metricsPlugin from '../plugins/metrics.js'
import storePlugin from '../plugins/store.js'
import auditPlugin from '../plugins/audit.js'
import rateLimitPlugin from '../plugins/rate-limit.js'
import securityHeadersPlugin from '../plugins/security-headers.js'
import corsPlugin from '../plugins/cors.js'
import keysPlugin from '../plugins/keys.js'
import accessTokensPlugin from '../plugins/access-tokens.js'
import revocationsPlugin from '../plugins/revocations.js'
import authenticatePlugin from '../plugins/authenticate.js'
import refreshTransportPlugin from '../plugins/refresh-transport.js'
import openApiPlugin from '../plugins/openapi.js'
import deviceCookiePlugin from '../plugins/device-cookie.js'
import healthRoutes from './routes/health.js'
import jwksRoutes from './routes/jwks.js'
import accountRoutes from './routes/accounts.js'
import tokenRoutes from './routes/tokens.js'
import sessionRoutes from './routes/sessions.js'
import meRoutes from './routes/me.js'
import revocationRoutes from './routes/revocations.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    /** The clock every decision uses (ms since the epoch). */
    now: () => number
  }
}

export interface BuildOptions {
  /** Use this store instead of the one the configuration names (tests share one across apps). */
  store?: AuthStore
  /** Where logs go (tests capture them); defaults to stdout at LOG_LEVEL. */
  logStream?: DestinationStream
  /** The clock for every decision, in ms since the epoch (tests move it). */
  now?: () => number
  /** Called for every route as it registers (tests list the routes the app serves). */
  onRoute?: (route: RouteOptions) => void
  /** Timings of the revocation feed, shortened by tests (ms). */
  revocations?: { keepAliveMs?: number, waitTimeoutMs?: number, sweepIntervalMs?: number }
}

export { BODY_LIMIT }
/** Room for a 60 kB bearer token to reach our verifier (and be refused with a contract error). */
export const MAX_HEADER_SIZE = 64 * 1024

export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const logging = fastifyLogging(config, options.logStream)
  const requestTimeoutMs = config.requestTimeout * 1000
  const serverOptions: FastifyHttpOptions<Server> = {
    ...logging.options,
    bodyLimit: BODY_LIMIT,
    http: {
      maxHeaderSize: MAX_HEADER_SIZE,
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // Node looks for overdue requests this often (30 s by default, which would triple a 10 s limit).
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs / 2)
    },
    // A request must arrive whole within REQUEST_TIMEOUT (408 and closed otherwise), and a keep-alive
    // connection idle that long is closed: slow or idle clients cannot hold connections open forever.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: requestTimeoutMs,
    trustProxy: config.trustProxy ?? false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // The contract forbids type coercion ("12345678" is a string, 12345678 is not a password).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 128 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler
  }
  const app = Fastify(serverOptions).withTypeProvider<TypeBoxTypeProvider>()
  // Before any plugin is registered, so every encapsulated instance inherits it.
  if (logging.rootLogger !== undefined) app.log = logging.rootLogger
  // Fastify parses text/plain by default; the contract takes JSON only, so anything else is 415.
  app.removeContentTypeParser('text/plain')

  if (options.onRoute !== undefined) app.addHook('onRoute', options.onRoute)
  app.decorate('config', config)
  app.decorate('now', options.now ?? Date.now)

  await app.register(metricsPlugin, { config })
  await app.register(errorsPlugin)
  await app.register(jsonBodyPlugin)
  await app.register(securityHeadersPlugin)
  // Before the routes and the rate limiter: a preflight is answered in onRequest, uncounted.
  await app.register(corsPlugin, { config })
  await app.register(auditPlugin)
  await app.register(storePlugin, { config, store: options.store })
  await app.register(rateLimitPlugin, { config })
  await app.register(keysPlugin, { config })
  await app.register(revocationsPlugin, { config, ...options.revocations })
  await app.register(accessTokensPlugin, { config })
  await app.register(authenticatePlugin, { config })

  // Before the routes: the document is built as they register.
  await app.register(openApiPlugin, { config })

  await app.register(healthRoutes)
  await app.register(jwksRoutes)
  await app.register(meRoutes)
  if (config.revocationFeedTokens !== undefined) {
    await app.register(revocationRoutes, { feedTokens: config.revocationFeedTokens, keepAliveMs: options.revocations?.keepAliveMs })
  }
  // The /auth routes in a scope of their own: only they handle refresh and device cookies.
  await app.register(async function authRoutes (auth) {
    await auth.register(refreshTransportPlugin, { config })
    await auth.register(deviceCookiePlugin, { config })
    await auth.register(accountRoutes)
    await auth.register(tokenRoutes)
    await auth.register(sessionRoutes)
  })

  return app
}

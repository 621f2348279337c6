// Security headers on every answer (issue 5, production safety), errors and 404s included: helmet
// runs in onRequest, before routing decisions can fail. Rotor serves JSON only, never HTML, so the
// policy forbids everything a browser could do with a response: load sub-resources, be framed,
// leak the URL in a Referer, or be sniffed into another content type.
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

/** One year (RFC 6797 §6.1.1); operators who want preload lists opt in at their edge. */
export const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60

/**
 * For the few answers Fastify gives before any hook runs (a URL that cannot be decoded, an
 * over-long path parameter: plugins/errors.ts, frameworkErrorHandler), which helmet cannot reach.
 * test/abuse/framework-errors.test.ts checks they agree with what helmet sends everywhere else.
 */
export const PRE_ROUTING_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
  'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
})

export default fp(async function securityHeadersPlugin (fastify) {
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        // CSP Level 2 §7.7: frame-ancestors does not fall back to default-src, so it is named.
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"]
      }
    },
    frameguard: { action: 'deny' },
    hsts: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true, preload: false },
    referrerPolicy: { policy: 'no-referrer' },
    noSniff: true,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    permittedCrossDomainPolicies: { permittedPolicies: 'none' },
    dnsPrefetchControl: { allow: false },
    hidePoweredBy: true
  })
}, { name: 'security-headers' })

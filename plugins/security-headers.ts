// Security headers on every answer, errors and 404s included: the hook
// runs in onRequest, before any routing decision can fail. Rotor serves JSON only, never HTML, so it
// sends exactly the set the OWASP REST Security Cheat Sheet ("Security Headers") names for API
// answers, and nothing that only concerns documents a browser renders (Referrer-Policy, COOP, CORP,
// Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options, X-XSS-Protection, ...): each
// header is bytes and work on every answer of a server answering tens of thousands a second.
//
// Why not @fastify/helmet: the set is static, yet helmet rebuilds it on every request through a
// chain of connect-style middlewares (what that costs: bench/README.md, "What the server leaves
// out"). Here it is one frozen object handed to reply.headers() in a synchronous hook.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/** One year (RFC 6797 §6.1.1); operators who want preload lists opt in at their edge. */
export const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60

/**
 * Every answer's security headers. `cache-control: no-store` covers the contract's rule for /auth/*
 * and every other per-user answer; the JWKS route alone replaces it with a public max-age.
 * Also used by the few answers Fastify gives before any hook runs (plugins/errors.ts,
 * frameworkErrorHandler).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  // CSP Level 2 §7.7: frame-ancestors does not fall back to default-src, so it is named.
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store'
})

/** The onRequest hook that sets them (also used by the bench's bare+headers baseline). */
export function setSecurityHeaders (_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.headers(SECURITY_HEADERS)
  done()
}

export default fp(async function securityHeadersPlugin (fastify) {
  fastify.addHook('onRequest', setSecurityHeaders)
}, { name: 'security-headers' })

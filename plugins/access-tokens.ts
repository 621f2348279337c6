// Fastify adapter of src/domain/access-tokens.ts (which says why tokens are signed and verified with
// node:crypto and @fastify/jwt is not registered). Decorates `fastify.accessTokens`.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { createAccessTokens, type AccessTokens } from '../src/domain/access-tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** `sign({userId, sessionId, scope})` → `{token, expiresIn, claims}`; `verify(token)` → frozen claims or a coded 401. */
    accessTokens: AccessTokens
  }
}

export interface AccessTokensPluginOptions {
  config: Config
  /** Bound on the verified-token cache (entries). */
  cacheSize?: number
}

export default fp<AccessTokensPluginOptions>(async function accessTokensPlugin (fastify, options) {
  const accessTokens = createAccessTokens({
    keyRing: fastify.keyRing,
    config: options.config,
    now: fastify.now ?? Date.now,
    cacheSize: options.cacheSize
  })
  // The process's revocations in force (plugins/revocations.ts): one Map lookup by sid.
  const revoked = fastify.revocations.set
  accessTokens.setSessionRevocationCheck((claims) => revoked.has(claims.sid))
  fastify.decorate('accessTokens', accessTokens)
}, { name: 'access-tokens', dependencies: ['keys', 'revocations'] })

// The access-token key ring (src/domain/keys.ts): JWT_KEYS_DIR or one ephemeral key, read before
// the server answers anything. Decorates `fastify.keyRing`.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { loadKeyRing, type KeyRing } from '../src/domain/keys.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Signing, verification and refresh-MAC keys; `reload()` re-reads JWT_KEYS_DIR. */
    keyRing: KeyRing
  }
}

export interface KeysPluginOptions {
  config: Config
}

export default fp<KeysPluginOptions>(async function keysPlugin (fastify, { config }) {
  const keyRing = await loadKeyRing(config)
  fastify.decorate('keyRing', keyRing)
  if (config.jwtKeysDir === undefined) {
    fastify.log.warn('no JWT_KEYS_DIR: access tokens are signed with an ephemeral key and stop verifying when this process stops (fine for trying Rotor out)')
  }
  fastify.log.info({ event: 'keys-loaded', alg: keyRing.alg, signingKid: keyRing.signingKid }, 'access-token keys loaded')
}, { name: 'keys' })

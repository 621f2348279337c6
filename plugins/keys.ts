// The access-token key ring (src/domain/keys.ts): JWT_KEYS_DIR or one ephemeral key, read before
// the server answers anything. Decorates `fastify.keyRing`, and `fastify.reloadKeys()`, which
// src/server.ts calls on SIGHUP (docs/http-api.md, "Access tokens").
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { loadKeyRing, type KeyRing } from '../src/domain/keys.js'
import { keyNameWarnings } from '../src/domain/key-names.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Signing, verification and refresh-MAC keys; `reload()` re-reads JWT_KEYS_DIR. */
    keyRing: KeyRing
    /**
     * Re-reads JWT_KEYS_DIR and tells every onKeysReloaded listener. Resolves true when the keys
     * changed; false when there is no folder or it failed to load (one error line, old keys kept).
     * Never rejects.
     */
    reloadKeys: () => Promise<boolean>
    /** Calls `listener` after every successful reloadKeys(); returns a function that stops it. */
    onKeysReloaded: (listener: () => void) => () => void
  }
}

export interface KeysPluginOptions {
  config: Config
}

export default fp<KeysPluginOptions>(async function keysPlugin (fastify, { config }) {
  const keyRing = await loadKeyRing(config)
  const listeners = new Set<() => void>()
  // One reload at a time: two SIGHUPs in a row read the folder twice, in order, and the second wins.
  let reloading: Promise<boolean> = Promise.resolve(true)

  // At start and after every reload: a key added under a name that does not sort last keeps the old
  // key signing, and nothing else would say so.
  function warnAboutKeyNames (): void {
    for (const warning of keyNameWarnings(keyRing.files, keyRing.signingKid)) fastify.log.warn(warning)
  }

  async function reloadOnce (): Promise<boolean> {
    if (config.jwtKeysDir === undefined) {
      fastify.log.warn('keys not reloaded: no JWT_KEYS_DIR, the ephemeral key stays in use')
      return false
    }
    try {
      await keyRing.reload()
    } catch (error) {
      fastify.log.error({ event: 'keys_reload_failed' }, `keys not reloaded, the current keys stay in use: ${(error as Error).message}`)
      return false
    }
    fastify.log.info({ event: 'keys_reloaded', kids: keyRing.kids, signingKid: keyRing.signingKid }, 'access-token keys reloaded')
    warnAboutKeyNames()
    for (const listener of listeners) listener()
    return true
  }

  fastify.decorate('keyRing', keyRing)
  fastify.decorate('reloadKeys', async () => {
    reloading = reloading.then(reloadOnce)
    return await reloading
  })
  fastify.decorate('onKeysReloaded', (listener: () => void) => {
    listeners.add(listener)
    return () => { listeners.delete(listener) }
  })
  if (config.jwtKeysDir === undefined) {
    fastify.log.warn('no JWT_KEYS_DIR: access tokens are signed with an ephemeral key and stop verifying when this process stops (fine for trying Rotor out)')
  }
  fastify.log.info({ event: 'keys_loaded', alg: keyRing.alg, signingKid: keyRing.signingKid }, 'access-token keys loaded')
  warnAboutKeyNames()
}, { name: 'keys' })

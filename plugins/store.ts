// The session store: Redis (or Redis Cluster) when configured, else the embedded in-process store
// for trying the server out. Decorates `fastify.store`, timed call by call into the metrics
// (src/metrics/timed-store.ts); closes what it opened on shutdown.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { timedStore } from '../src/metrics/timed-store.js'
import { createMemoryStore } from '../src/store/memory-store.js'
import { createRedisStore } from '../src/store/redis-store.js'
import type { AuthStore } from '../src/store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: AuthStore
  }
}

export interface StorePluginOptions {
  config: Config
  /** A store the caller owns (and closes); when absent the plugin opens one from the config. */
  store?: AuthStore | undefined
}

export function openStore (config: Config): AuthStore {
  // Revocations stay in force as long as the access tokens they stop.
  const { accessTokenTtl } = config
  if (config.redisClusterNodes !== undefined) {
    return createRedisStore({ clusterNodes: [...config.redisClusterNodes], prefix: config.redisPrefix, accessTokenTtl })
  }
  if (config.redisUrl !== undefined) {
    return createRedisStore({ url: config.redisUrl, prefix: config.redisPrefix, accessTokenTtl })
  }
  return createMemoryStore({ accessTokenTtl })
}

export default fp<StorePluginOptions>(async function storePlugin (fastify, options) {
  const store = options.store ?? openStore(options.config)
  fastify.decorate('store', timedStore(store, fastify.metrics))
  if (options.store === undefined) {
    fastify.addHook('onClose', async () => { await store.close() })
  }
  if (options.config.redisUrl === undefined && options.config.redisClusterNodes === undefined && options.store === undefined) {
    fastify.log.warn('no REDIS_URL: sessions live in this process only and end when it stops (fine for trying Rotor out)')
  }
}, { name: 'store', dependencies: ['metrics'] })

// The session store: Redis (or Redis Cluster) when configured, else the embedded in-process store
// for trying the server out. Decorates `fastify.store`, timed call by call into the metrics
// (src/metrics/timed-store.ts); closes what it opened on shutdown. Says at start which store it
// uses, and hands the Redis store the logger, so a lost or unreachable Redis is logged (once per
// change, src/store/redis/connection.ts) rather than found only in 503s.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'
import { timedStore } from '../src/metrics/timed-store.js'
import { createMemoryStore } from '../src/store/memory-store.js'
import { createRedisStore, describeRedisTarget, type RedisStoreLogger } from '../src/store/redis-store.js'
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

type StoreTarget = Pick<Config, 'redisUrl' | 'redisClusterNodes'>

/** The store a configuration names, fit for a log line (no password). */
export function storeDescription (config: StoreTarget): string {
  if (config.redisClusterNodes !== undefined) return describeRedisTarget({ clusterNodes: [...config.redisClusterNodes] })
  if (config.redisUrl !== undefined) return describeRedisTarget({ url: config.redisUrl })
  return 'embedded (in this process)'
}

export function openStore (config: Config, logger?: RedisStoreLogger): AuthStore {
  // Revocations stay in force as long as the access tokens they stop.
  const { accessTokenTtl } = config
  if (config.redisClusterNodes !== undefined) {
    return createRedisStore({ clusterNodes: [...config.redisClusterNodes], prefix: config.redisPrefix, accessTokenTtl, logger })
  }
  if (config.redisUrl !== undefined) {
    return createRedisStore({ url: config.redisUrl, prefix: config.redisPrefix, accessTokenTtl, logger })
  }
  return createMemoryStore({ accessTokenTtl })
}

export default fp<StorePluginOptions>(async function storePlugin (fastify, options) {
  const { config } = options
  const store = options.store ?? openStore(config, fastify.log)
  fastify.decorate('store', timedStore(store, fastify.metrics))
  if (options.store !== undefined) return
  fastify.addHook('onClose', async () => { await store.close() })
  const description = storeDescription(config)
  if (config.redisUrl === undefined && config.redisClusterNodes === undefined) {
    fastify.log.warn({ store: description }, 'store: embedded; no REDIS_URL, so sessions live in this process only and end when it stops (fine for trying Rotor out)')
  } else {
    fastify.log.info({ store: description, prefix: config.redisPrefix }, `store: ${description}, keys prefixed ${config.redisPrefix}`)
  }
}, { name: 'store', dependencies: ['metrics'] })

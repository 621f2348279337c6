// The store-contract harness for the Redis store (standalone, Cluster, or behind the production
// ACL): real time, sleeps for TTLs, and the user's index read through a separate inspector client.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Cluster, Redis } from 'ioredis'
import { sessionIndexField, userKey } from '../../src/store/redis-keys.js'
import { createRedisStore, type RedisStoreOptions } from '../../src/store/redis-store.js'
import type { StoreHarness } from './store-contract/harness.js'

export function redisStoreHarness (options: RedisStoreOptions, inspector: Redis | Cluster): StoreHarness {
  const store = createRedisStore(options)
  return {
    store,
    accessTokenTtl: options.accessTokenTtl ?? 900,
    now: () => Date.now(),
    wait: async (ms) => { await sleep(ms) },
    indexedSessionIds: async (userId) => {
      const indexPrefix = sessionIndexField('')
      return (await inspector.hkeys(userKey(options.prefix, userId)))
        .filter((field) => field.startsWith(indexPrefix)).map((field) => field.slice(indexPrefix.length))
    },
    teardown: async () => { await store.close() }
  }
}

// The store-contract harness for the Redis store (standalone, Cluster, or behind the production
// ACL): real time, sleeps for TTLs, and the user's index read through a separate inspector client.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Cluster, Redis } from 'ioredis'
import { sessionIndexKey } from '../../src/store/redis-keys.js'
import { createRedisStore, type RedisStoreOptions } from '../../src/store/redis-store.js'
import type { StoreHarness } from './store-contract/harness.js'

export function redisStoreHarness (options: RedisStoreOptions, inspector: Redis | Cluster): StoreHarness {
  const store = createRedisStore(options)
  return {
    store,
    now: () => Date.now(),
    wait: async (ms) => { await sleep(ms) },
    indexedSessionIds: async (userId) => await inspector.zrange(sessionIndexKey(options.prefix, userId), '0', '-1'),
    teardown: async () => { await store.close() }
  }
}

// The whole store contract through the production Redis setup: redis.conf, and the rotor ACL user
// of deploy/redis/users.acl with only its commands, keys and channels. If the store starts using
// a command the ACL does not grant, this fails with NOPERM before a deployment does.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Redis } from 'ioredis'
import { sessionIndexKey } from '../../src/store/redis-keys.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { startProductionRedis } from '../helpers/redis-production.js'
import { storeContract } from '../store/contract.js'

const redis = await startProductionRedis()
t.teardown(redis.stop)
const url = `redis://rotor:${redis.password}@127.0.0.1:${redis.port}`
const inspector = new Redis(url)
t.teardown(() => { inspector.disconnect() })

storeContract(t, 'redis (production ACL)', async () => {
  // Inside the ACL's `auth:*` keys and channels, fresh for each subtest.
  const prefix = `auth:${randomBytes(6).toString('base64url')}:`
  const store = createRedisStore({ url, prefix })
  return {
    store,
    now: () => Date.now(),
    wait: async (ms) => { await sleep(ms) },
    indexedSessionIds: async (userId) => await inspector.zrange(sessionIndexKey(prefix, userId), '0', '-1'),
    teardown: async () => { await store.close() }
  }
})

// The whole store contract through the production Redis setup: redis.conf, and the rotor ACL user
// of deploy/redis/users.acl with only its commands, keys and channels. If the store starts using
// a command the ACL does not grant, this fails with NOPERM before a deployment does.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { redisStoreHarness } from '../helpers/redis-store-harness.js'
import { Redis } from 'ioredis'
import { startProductionRedis } from '../helpers/redis-production.js'
import { storeContract } from '../store/contract.js'

const redis = await startProductionRedis()
t.teardown(redis.stop)
const url = `redis://rotor:${redis.password}@127.0.0.1:${redis.port}`
const inspector = new Redis(url)
t.teardown(() => { inspector.disconnect() })

storeContract(t, 'redis (production ACL)', async () => {
  // Inside the ACL's `auth:*` keys and channels, fresh for each subtest.
  return redisStoreHarness({ url, prefix: `auth:${randomBytes(6).toString('base64url')}:` }, inspector)
})

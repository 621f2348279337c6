// The whole store contract against the Redis store on a real Redis Cluster (3 masters + 3
// replicas): every script must touch one slot, MOVED redirections must be followed, events must
// cross nodes. A fresh random prefix per subtest keeps subtests apart on the one cluster.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { Cluster } from 'ioredis'
import { sessionIndexKey } from '../../src/store/redis-keys.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import { storeContract } from '../store/contract.js'

const cluster = await startRedisCluster()
t.teardown(async () => { await cluster.stop() })
const inspector = new Cluster(cluster.nodes)
t.teardown(() => { inspector.disconnect() })

storeContract(t, 'redis cluster', async () => {
  const prefix = `c${randomBytes(6).toString('base64url')}:`
  const store = createRedisStore({ clusterNodes: cluster.nodes, prefix })
  return {
    store,
    now: () => Date.now(),
    wait: async (ms) => { await sleep(ms) },
    indexedSessionIds: async (userId) => await inspector.zrange(sessionIndexKey(prefix, userId), '0', '-1'),
    teardown: async () => { await store.close() }
  }
})

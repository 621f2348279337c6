// The whole store contract against the Redis store on a real Redis Cluster (3 masters + 3
// replicas): every script must touch one slot, MOVED redirections must be followed, events must
// cross nodes. A fresh random prefix per subtest keeps subtests apart on the one cluster.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { redisStoreHarness } from '../helpers/redis-store-harness.js'
import { Cluster } from 'ioredis'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import { storeContract } from '../store/contract.js'

const cluster = await startRedisCluster()
t.teardown(async () => { await cluster.stop() })
const inspector = new Cluster(cluster.nodes)
t.teardown(() => { inspector.disconnect() })

storeContract(t, 'redis cluster', async () => {
  return redisStoreHarness({ clusterNodes: cluster.nodes, prefix: `c${randomBytes(6).toString('base64url')}:` }, inspector)
})

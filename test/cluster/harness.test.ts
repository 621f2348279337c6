// The cluster harness itself: six nodes come up as 3 masters + 3 replicas, a key written through
// ioredis's Cluster client reads back (following MOVED to the right master), and stop() leaves no
// redis-server behind. Every other cluster test relies on this.
import t from 'tap'
import { Cluster } from 'ioredis'
import { startRedisCluster } from '../helpers/redis-cluster.js'

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('a started cluster serves keys in every slot range and stops without leftovers', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(async () => { await cluster.stop() })

  t.equal(cluster.nodes.length, 6, 'six nodes')
  t.notOk(cluster.nodes.some((node) => node.port === 6379), 'never the shared Redis port')
  t.equal((await cluster.masters()).length, 3, 'three masters')
  t.equal((await cluster.replicas()).length, 3, 'three replicas')

  const client = new Cluster(cluster.nodes.slice(0, 1))
  t.teardown(() => { client.disconnect() })
  // Keys chosen to hash to different slots, so at least two masters are asked (MOVED followed).
  const keys = ['harness:a', 'harness:b', 'harness:c', 'harness:d', 'harness:e', 'harness:f']
  for (const key of keys) await client.set(key, `value of ${key}`)
  for (const key of keys) t.equal(await client.get(key), `value of ${key}`, `${key} reads back`)
  const slots = new Set(await Promise.all(keys.map(async (key) => Number(await cluster.command(cluster.nodes[0]!.port, 'CLUSTER', 'KEYSLOT', key)))))
  t.ok(slots.size > 1, `keys spread over ${slots.size} slots`)
  client.disconnect()

  const pids = await Promise.all(cluster.nodes.map(async (node) => Number(await cluster.command(node.port, 'INFO', 'server').then((info) => /process_id:(\d+)/.exec(String(info))?.[1]))))
  t.equal(pids.filter((pid) => pid > 0).length, 6, 'every node reports its pid')
  await cluster.stop()
  t.same(pids.filter(isAlive), [], 'no redis-server left running after stop()')
})

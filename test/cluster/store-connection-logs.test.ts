// On Redis Cluster too (issue 16): the start-up line names the seed nodes, the connection is logged
// once when it comes up, once when it is lost, however many calls fail meanwhile, and once when it
// is restored after every node was down and started again.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../helpers/app.js'
import { captureLog } from '../helpers/log-capture.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'

async function readyIs (app: FastifyInstance, status: number): Promise<void> {
  const started = Date.now()
  while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== status) {
    if (Date.now() - started > 30_000) throw new Error(`/ready did not answer ${status} within 30 s`)
    await sleep(100)
  }
}

t.test('Cluster: seed nodes named at start; connected once, lost once', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(async () => { await cluster.stop() })
  const seeds = cluster.nodes.slice(0, 2)
  const log = captureLog()
  const app = await buildTestApp(t, { LOG_LEVEL: 'info', REDIS_CLUSTER_NODES: seeds.map(({ host, port }) => `${host}:${port}`).join(','), REDIS_PREFIX: `clusterlogs${process.pid}:` },
    { logStream: log.stream })
  await readyIs(app, 200)
  const events = (event: string) => log.lines().filter((line) => line.event === event)
  const startLine = log.lines().find((line) => typeof line.msg === 'string' && line.msg.startsWith('store: '))
  t.equal(startLine?.store, `Redis Cluster (seed nodes ${seeds.map(({ host, port }) => `${host}:${port}`).join(', ')})`)
  t.equal(events('store_connected').length, 1, 'connected, once')

  await cluster.stop()
  await readyIs(app, 503)
  // Each waits out the 1 s call timeout: Cluster clients queue while no node answers.
  for (let i = 0; i < 5; i++) {
    t.equal((await app.inject({ method: 'POST', url: '/auth/register', payload: { username: `c${i}x`, password: 'correct horse battery' } })).statusCode, 503)
  }
  t.equal(events('store_lost').length, 1, 'exactly one "lost" line')
  t.equal(events('store_unreachable').length, 0, 'it was reachable at start')
})

t.test('Cluster: every node down and back: lost once, then restored once', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(async () => { await cluster.stop() })
  const log = captureLog()
  const app = await buildTestApp(t, { LOG_LEVEL: 'info', REDIS_CLUSTER_NODES: cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(','), REDIS_PREFIX: `clusterrestored${process.pid}:` },
    { logStream: log.stream })
  await readyIs(app, 200)
  const events = (event: string) => log.lines().filter((line) => line.event === event)
  const register = async (username: string) => (await app.inject({ method: 'POST', url: '/auth/register', payload: { username, password: 'correct horse battery' } })).statusCode

  await Promise.all(cluster.nodes.map(async ({ port }) => { await cluster.killNode(port) }))
  await readyIs(app, 503)
  for (let i = 0; i < 3; i++) t.equal(await register(`down${i}x`), 503, `call ${i + 1} during the outage answers 503`)
  t.equal(events('store_lost').length, 1, 'one "lost" line')
  t.equal(events('store_restored').length, 0, 'nothing restored yet')

  // Each node comes back with its nodes.conf, so the same cluster forms again.
  await Promise.all(cluster.nodes.map(async ({ port }) => { await cluster.restartNode(port) }))
  await cluster.waitUntilHealthy()
  await readyIs(app, 200)
  t.equal(await register('back-again'), 201, 'served again')

  const restored = events('store_restored')
  t.equal(restored.length, 1, 'exactly one "restored" line')
  t.equal(restored[0]?.store, `Redis Cluster (seed nodes ${cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(', ')})`, 'naming the Cluster')
  const order = log.lines().map((line) => line.event).filter((event) => typeof event === 'string' && event.startsWith('store_'))
  t.same(order, ['store_connected', 'store_lost', 'store_restored'], 'connected, lost, restored: in that order, each once')
})

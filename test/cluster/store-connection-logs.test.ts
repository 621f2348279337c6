// On Redis Cluster too (issue 16): the start-up line names the seed nodes, the connection is logged
// once when it comes up, and once when it is lost, however many calls fail meanwhile.
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

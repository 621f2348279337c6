// The store's connection is logged once per change, never per request (issue 16): unreachable at
// start (with what to do), connected, lost, restored; the start-up line names the store, and the
// password in REDIS_URL never reaches the log. Against a real redis-server that requires that
// password, stopped and started again; the metrics count each failed call exactly once.
import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, userWithSession } from '../helpers/app.js'
import { captureLog } from '../helpers/log-capture.js'
import { moved, scrape } from '../helpers/metrics.js'
import { freePort, startRedisServer, type RedisServer } from '../../bench/lib/redis-server.js'
import { storeDescription } from '../../plugins/store.js'

const SECRET = 'opsb-secret-9f2c'
const OUTAGE_REQUESTS = 50

/** Starts a redis-server needing SECRET on `port`, stopped at teardown. */
async function passwordRedis (t: Test, port: number, dir?: string): Promise<RedisServer> {
  const server = await startRedisServer({ port, dir, config: { requirepass: SECRET } })
  t.teardown(async () => { await server.stop() })
  return server
}

async function readyIs (app: FastifyInstance, status: number): Promise<void> {
  const started = Date.now()
  while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== status) {
    if (Date.now() - started > 20_000) throw new Error(`/ready did not answer ${status} within 20 s`)
    await sleep(50)
  }
}

function linesOf (log: ReturnType<typeof captureLog>, event: string): Array<Record<string, unknown>> {
  return log.lines().filter((line) => line.event === event)
}

t.test('lost and restored: one line each while 50 requests fail; the password is never logged', async (t) => {
  const port = await freePort()
  const redis = await passwordRedis(t, port)
  const log = captureLog()
  const app = await buildTestApp(t, { LOG_LEVEL: 'info', METRICS_PORT: '0', REDIS_URL: `redis://:${SECRET}@127.0.0.1:${port}`, REDIS_PREFIX: `logs${process.pid}:` },
    { logStream: log.stream })
  await readyIs(app, 200)
  const startLine = log.lines().find((line) => typeof line.msg === 'string' && line.msg.startsWith('store: '))
  t.equal(startLine?.store, `Redis at redis://127.0.0.1:${port}`, 'the start-up line names the Redis, without the password')
  t.equal(linesOf(log, 'store_connected').length, 1, 'connected, once')
  t.equal(linesOf(log, 'store_unreachable').length, 0, 'it was reachable at start')
  const { accessToken } = await userWithSession(app)

  await redis.kill()
  await readyIs(app, 503)
  const before = await scrape(app)
  for (let i = 0; i < OUTAGE_REQUESTS; i++) {
    const response = await app.inject({ method: 'GET', url: '/auth/sessions', headers: { authorization: `Bearer ${accessToken}` } })
    t.equal(response.statusCode, 503, `request ${i + 1} during the outage answers 503`)
  }
  const after = await scrape(app)
  // Each request's first store call is its per-IP count, which fails: exactly one error a request.
  t.equal(moved(before, after, 'rotor_store_errors_total', { operation: 'incrementCounter' }), OUTAGE_REQUESTS, 'one store error per failed request')
  t.equal(moved(before, after, 'rotor_store_errors_total', { operation: 'listSessions' }), 0, 'the route never reached its own call')
  t.equal(moved(before, after, 'rotor_store_call_duration_seconds_count', { operation: 'incrementCounter' }), OUTAGE_REQUESTS, 'failed calls are timed too')

  await passwordRedis(t, port, redis.dir)
  await readyIs(app, 200)
  t.equal((await app.inject({ method: 'GET', url: '/auth/sessions', headers: { authorization: `Bearer ${accessToken}` } })).statusCode, 200, 'served again')

  const lost = linesOf(log, 'store_lost')
  t.equal(lost.length, 1, 'exactly one "lost" line')
  t.equal(lost[0]?.level, 40, 'at warn')
  t.equal(linesOf(log, 'store_restored').length, 1, 'exactly one "restored" line')
  t.equal(linesOf(log, 'store_connected').length, 1, 'no second "connected" line')
  const everything = log.lines().map((line) => JSON.stringify(line)).join('\n')
  t.notOk(everything.includes(SECRET), 'the password appears in no log line')
})

t.test('unreachable at start: one line saying what to do, then connected once Redis starts', async (t) => {
  const port = await freePort()
  const log = captureLog()
  const app = await buildTestApp(t, { LOG_LEVEL: 'info', REDIS_URL: `redis://:${SECRET}@127.0.0.1:${port}`, REDIS_PREFIX: `logs${process.pid}:` },
    { logStream: log.stream })
  // Each call waits out the store's 1 s timeout (queued until a first connection); several
  // reconnect attempts fail meanwhile (100 ms to 1 s apart), each an ioredis error event.
  for (let i = 0; i < 5; i++) {
    t.equal((await app.inject({ method: 'POST', url: '/auth/register', payload: { username: `nobody${i}`, password: 'correct horse battery' } })).statusCode, 503)
    await sleep(200)
  }
  const unreachable = linesOf(log, 'store_unreachable')
  t.equal(unreachable.length, 1, 'exactly one "unreachable" line')
  t.equal(unreachable[0]?.level, 50, 'at error')
  t.match(unreachable[0]?.msg, /start Redis or fix REDIS_URL/, 'it says what to do')
  t.match(unreachable[0]?.msg, new RegExp(`redis://127\\.0\\.0\\.1:${port}`), 'it names the Redis')
  t.equal(linesOf(log, 'store_lost').length, 0, 'never connected, so nothing was lost')

  await passwordRedis(t, port)
  await readyIs(app, 200)
  t.equal(linesOf(log, 'store_connected').length, 1, 'one "connected" line once Redis is up')
  t.equal(linesOf(log, 'store_restored').length, 0)
  t.notOk(log.lines().map((line) => JSON.stringify(line)).join('\n').includes(SECRET), 'the password appears in no log line')
})

t.test('the store named at start: embedded, a Redis URL without its password, Cluster seed nodes', async (t) => {
  t.equal(storeDescription({}), 'embedded (in this process)')
  t.equal(storeDescription({ redisUrl: 'redis://rotor:s3cret@redis.internal:6380/2' }), 'Redis at redis://rotor@redis.internal:6380/2', 'the ACL user stays, the password goes')
  t.equal(storeDescription({ redisUrl: 'rediss://:s3cret@redis.internal' }), 'Redis at rediss://redis.internal', 'a password without a user')
  t.equal(storeDescription({ redisUrl: 'redis://127.0.0.1:6379' }), 'Redis at redis://127.0.0.1:6379')
  t.equal(storeDescription({ redisClusterNodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }] }),
    'Redis Cluster (seed nodes 10.0.0.1:7000, 10.0.0.2:7001)')
})

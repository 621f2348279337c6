// METRICS_PORT under `npm run start:cluster`: the primary serves the sum of every worker's metrics
// (src/metrics/cluster-metrics.ts); a scrape does not land on one worker at random.
import t from 'tap'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { freePort, startRedisServer } from '../../bench/lib/redis-server.js'
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js'
import { httpRequest, spawnServer } from '../helpers/server-process.js'

const WORKERS = 2
const PASSWORD = 'correct horse battery'
const LOGINS = 6

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })
const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])

t.test('the primary answers GET /metrics with the sum over its workers', async (t) => {
  const [port, metricsPort] = [await freePort(), await freePort()]
  const url = `http://127.0.0.1:${port}`
  const primary = await spawnServer(t, {
    PORT: String(port), METRICS_PORT: String(metricsPort), WORKERS: String(WORKERS), REDIS_URL: redis.url, REDIS_PREFIX: 'cluster-metrics:',
    JWT_KEYS_DIR: keys.dir, LOG_LEVEL: 'info', COOKIE_SECURE: 'false', RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES: '1000000'
  }, 'cluster')
  t.teardown(async () => {
    if (primary.child.exitCode === null && primary.child.signalCode === null) {
      primary.child.kill('SIGTERM')
      await primary.exited
    }
  })
  await primary.waitForLine(() => primary.lines.filter((line) => line.includes('Server listening at')).length >= WORKERS, 20_000)
  t.match(primary.stderr(), `the primary serves its workers' metrics on http://127.0.0.1:${metricsPort}/metrics`)
  t.notOk(primary.lines.some((line) => line.includes('serving metrics')), 'no worker listens for metrics itself')

  t.equal((await httpRequest(`${url}/auth/register`, { method: 'POST', body: { username: 'counted', password: PASSWORD } })).status, 201)
  // A new connection each (no agent): the primary hands them to the workers in turn.
  for (let i = 0; i < LOGINS; i++) {
    t.equal((await httpRequest(`${url}/auth/login`, { method: 'POST', body: { username: 'counted', password: PASSWORD }, headers: { 'x-token-transport': 'body' } })).status, 200)
  }

  const scrape = await httpRequest(`http://127.0.0.1:${metricsPort}/metrics`)
  t.equal(scrape.status, 200)
  const families = parsePrometheusText(scrape.body)
  t.equal(sampleValue(families, 'rotor_store_call_duration_seconds_count', { operation: 'createSession' }), LOGINS, 'every worker\'s logins')
  t.equal(sampleValue(families, 'rotor_store_call_duration_seconds_count', { operation: 'createUser' }), 1)
  t.ok(sampleValue(families, 'process_resident_memory_bytes') > 0, 'with the process defaults')
  t.equal((await httpRequest(`${url}/metrics`)).status, 404, 'not on the public port')

  primary.child.kill('SIGTERM')
  t.equal(await primary.exited, 0)
})

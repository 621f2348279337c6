// METRICS_HOST/METRICS_PORT (docs/http-api.md): GET /metrics in Prometheus text format on a listener
// of its own, with the process defaults and Rotor's series; never on the public port.
import t from 'tap'
import { createServer } from 'node:net'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { buildTestApp } from '../helpers/app.js'
import { metricsUrl, scrape } from '../helpers/metrics.js'
import { freePort } from '../../bench/lib/redis-server.js'

t.test('GET /metrics answers on the metrics port, in text format, and is 404 on the public port', async (t) => {
  const app = await buildTestApp(t, { METRICS_PORT: '0' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const publicPort = (app.server.address() as { port: number }).port
  const metricsPort = app.metrics.address()?.port
  t.ok(metricsPort !== undefined && metricsPort !== publicPort, 'a listener of its own')

  const onPublic = await fetch(`http://127.0.0.1:${publicPort}/metrics`)
  t.equal(onPublic.status, 404, 'not on the public port')
  t.equal((await onPublic.json() as { code: string }).code, 'FST_ERR_NOT_FOUND')

  const response = await fetch(metricsUrl(app))
  t.equal(response.status, 200)
  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  t.equal(response.headers.get('cache-control'), 'no-store')

  const { families } = await scrape(app)
  t.equal(families.get('process_cpu_user_seconds_total')?.type, 'counter', 'the process defaults')
  t.equal(families.get('nodejs_eventloop_lag_seconds')?.type, 'gauge')
  const rotor = Object.fromEntries([...families.values()].filter((f) => f.name.startsWith('rotor_')).map((f) => [f.name, f.type]))
  t.match(rotor, {
    rotor_logins_total: 'counter',
    rotor_refreshes_total: 'counter',
    rotor_refresh_replays_total: 'counter',
    rotor_sessions_ended_total: 'counter',
    rotor_store_call_duration_seconds: 'histogram',
    rotor_store_errors_total: 'counter',
    rotor_rate_limited_total: 'counter'
  })
  const results = families.get('rotor_logins_total')?.samples.map((s) => `${s.labels.result ?? ''}=${s.value}`).sort()
  t.same(results, ['ok=0', 'throttled=0', 'unknown_user=0', 'wrong_password=0'], 'every series from 0 before its first event')
})

t.test('the metrics listener answers nothing but GET /metrics', async (t) => {
  const app = await buildTestApp(t, { METRICS_PORT: '0' })
  const url = metricsUrl(app)
  t.equal((await fetch(url.replace('/metrics', '/'))).status, 404)
  t.equal((await fetch(url.replace('/metrics', '/auth/login'), { method: 'POST', body: '{}' })).status, 404, 'no API there')
  const post = await fetch(url, { method: 'POST', body: '' })
  t.equal(post.status, 405)
  t.equal(post.headers.get('allow'), 'GET, HEAD')
  t.equal((await fetch(`${url}?name[]=x`)).status, 200, 'a query string changes nothing')
})

t.test('without METRICS_PORT nothing listens for metrics', async (t) => {
  const app = await buildTestApp(t)
  t.equal(app.metrics.address(), null)
})

t.test('METRICS_HOST is where it listens', async (t) => {
  const app = await buildTestApp(t, { METRICS_PORT: '0', METRICS_HOST: '127.0.0.2' })
  t.equal(app.metrics.address()?.address, '127.0.0.2')
})

t.test('a metrics port in use stops start-up with a line naming METRICS_PORT', async (t) => {
  const port = await freePort()
  const squatter = createServer()
  await new Promise<void>((resolve) => { squatter.listen(port, '127.0.0.1', resolve) })
  t.teardown(() => { squatter.close() })
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', METRICS_PORT: String(port) }))
  t.teardown(async () => { await app.close() })
  await t.rejects(async () => { await app.ready() }, { name: 'MetricsListenError', message: new RegExp(`^could not listen for metrics on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\): set METRICS_PORT`) })
})

t.test('closing the app closes the metrics listener', async (t) => {
  const app = await buildTestApp(t, { METRICS_PORT: '0' })
  const url = metricsUrl(app)
  await fetch(url)
  await app.close()
  await t.rejects(fetch(url), 'nothing listens any more')
})

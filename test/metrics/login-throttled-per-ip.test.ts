// A login refused by the per-IP limit is a throttled login (docs/metrics.md, docs/audit-events.md),
// whatever the refused request held: it moves rotor_logins_total{result="throttled"} and
// rotor_rate_limited_total{route="/auth/login"} by one each and logs one login_throttled line.
// Through the real server on a real Redis, scraped on METRICS_PORT, as an operator reads them.
import t from 'tap'
import { freePort, startRedisServer } from '../../bench/lib/redis-server.js'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js'
import { listeningUrl, spawnServer } from '../helpers/server-process.js'

const LIMIT = 2
const PASSWORD = 'correct horse battery'

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })
const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
const metricsPort = await freePort()
const server = await spawnServer(t, {
  PORT: '0', HOST: '127.0.0.1', METRICS_PORT: String(metricsPort), REDIS_URL: redis.url, REDIS_PREFIX: 'login-throttled:',
  JWT_KEYS_DIR: keys.dir, LOG_LEVEL: 'info', COOKIE_SECURE: 'false', TRUST_PROXY: '127.0.0.1',
  RATE_LIMIT_PER_MINUTE: String(LIMIT), LOGIN_MAX_FAILURES: '1000000'
})
const url = await listeningUrl(server)

/** One login from `ip` (behind the trusted proxy), with the body and content type given. */
async function login (ip: string, body: string, contentType = 'application/json'): Promise<number> {
  const response = await fetch(`${url}/auth/login`, { method: 'POST', body, headers: { 'content-type': contentType, 'x-forwarded-for': ip, 'x-token-transport': 'body' } })
  await response.arrayBuffer()
  return response.status
}

async function counters (): Promise<{ throttled: number, rateLimited: number }> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
  const families = parsePrometheusText(await response.text())
  return {
    throttled: sampleValue(families, 'rotor_logins_total', { result: 'throttled' }),
    rateLimited: sampleValue(families, 'rotor_rate_limited_total', { route: '/auth/login' })
  }
}

function throttledLines (ip: string): number {
  return server.lines.filter((line) => line.includes('"event":"login_throttled"') && line.includes(`"ip":"${ip}"`)).length
}

await fetch(`${url}/auth/register`, { method: 'POST', body: JSON.stringify({ username: 'per-ip-target', password: PASSWORD }), headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.200' } })

// Each refused request comes from an address of its own that has spent its limit on wrong passwords.
const refusals: Array<[string, string, string?]> = [
  ['a wrong password', JSON.stringify({ username: 'per-ip-target', password: 'not the password' })],
  ['the right password', JSON.stringify({ username: 'per-ip-target', password: PASSWORD })],
  ['a body failing its schema', JSON.stringify({ username: 'per-ip-target' })],
  ['a username the profile refuses', JSON.stringify({ username: 'bell\u0007name', password: PASSWORD })],
  ['a body that is not JSON', 'username=per-ip-target', 'text/plain']
]

refusals.forEach(([what, body, contentType], index) => {
  t.test(`over the per-IP limit, ${what}: one throttled login, one 429, one login_throttled line`, async (t) => {
    const ip = `203.0.113.${index + 1}`
    for (let i = 0; i < LIMIT; i++) {
      t.equal(await login(ip, JSON.stringify({ username: 'per-ip-target', password: `wrong guess ${i}` })), 401, 'under the limit: checked')
    }
    const before = await counters()
    t.equal(await login(ip, body, contentType), 429, 'over the limit: refused')
    const after = await counters()
    t.equal(after.throttled - before.throttled, 1, 'rotor_logins_total{result="throttled"} moved by one')
    t.equal(after.rateLimited - before.rateLimited, 1, 'rotor_rate_limited_total{route="/auth/login"} moved by one')
    // The line may reach this process's pipe just after the answer does.
    await server.waitForLine((line) => line.includes('"event":"login_throttled"') && line.includes(`"ip":"${ip}"`), 5_000).catch(() => undefined)
    t.equal(throttledLines(ip), 1, 'one login_throttled audit line for this client')
  })
})

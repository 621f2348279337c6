import t from 'tap'
import { loadConfig, ConfigError } from '../src/config.js'

t.test('defaults are the contract defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.jwtAlg, 'EdDSA')
  t.equal(config.cookieName, '__Secure-refresh_token')
  t.ok(Object.isFrozen(config))
})

t.test('a bad value names the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), new ConfigError('PORT="abc" is not valid: expected a whole number from 0 to 65535'))
})

t.test('TRUST_PROXY takes addresses and CIDRs only', async (t) => {
  t.equal(loadConfig({}).trustProxy, undefined, 'unset: X-Forwarded-For is ignored')
  t.equal(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,fd00::/64, ::1' }).trustProxy, '10.0.0.1,10.1.0.0/16,fd00::/64,::1')
  for (const bad of ['1', '3', 'true', 'loopback', 'proxy.internal', '10.0.0.1/33', 'fd00::/129', '10.0.0.0/8,', '10.0.0.300', '0.0.0.0/0', '::/0']) {
    t.throws(() => loadConfig({ TRUST_PROXY: bad }), { name: 'ConfigError', message: /^TRUST_PROXY.*addresses or CIDRs/ }, `TRUST_PROXY=${bad} is refused`)
  }
})

t.test('REQUEST_TIMEOUT: 10 seconds by default, a whole number of at least 1', async (t) => {
  t.equal(loadConfig({}).requestTimeout, 10)
  t.equal(loadConfig({ REQUEST_TIMEOUT: '2' }).requestTimeout, 2)
  for (const bad of ['0', '1.5', 'ten', '-1', '3601']) {
    t.throws(() => loadConfig({ REQUEST_TIMEOUT: bad }), { name: 'ConfigError', message: /^REQUEST_TIMEOUT=/ }, `REQUEST_TIMEOUT=${bad} is refused`)
  }
})

t.test('REVOCATION_FEED_TOKENS: comma-separated secrets of at least 32 characters, never echoed', async (t) => {
  t.equal(loadConfig({}).revocationFeedTokens, undefined, 'unset: no feed')
  const one = 'a'.repeat(32)
  const two = 'B/+='.repeat(10)
  t.same(loadConfig({ REVOCATION_FEED_TOKENS: `${one},${two}` }).revocationFeedTokens, [one, two])
  const short = 'short-secret-of-31-characters-x'
  for (const bad of [short, `${one},${short}`, `${one},`, `${one}, ${two}`]) {
    const error = (() => { try { loadConfig({ REVOCATION_FEED_TOKENS: bad }) } catch (caught) { return caught as Error } })()
    t.ok(error instanceof ConfigError, `${JSON.stringify(bad)} is refused`)
    t.match(error?.message, /^REVOCATION_FEED_TOKENS entry \d is not valid \(\d+ characters\): expected comma-separated secrets of at least 32 characters/)
    t.notMatch(error?.message, /short-secret/, 'the message does not repeat the secret')
  }
})

t.test('METRICS_PORT: unset means no metrics listener; METRICS_HOST defaults to loopback', async (t) => {
  t.equal(loadConfig({}).metricsPort, undefined)
  t.equal(loadConfig({}).metricsHost, '127.0.0.1')
  t.equal(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.2' }).metricsPort, 9464)
  t.equal(loadConfig({ METRICS_PORT: '0' }).metricsPort, 0, 'any free port (tests)')
  t.throws(() => loadConfig({ METRICS_PORT: '70000' }), new ConfigError('METRICS_PORT="70000" is not valid: expected a whole number from 0 to 65535'))
})

t.test('CORS_ORIGINS: exact origins as browsers send them, never a wildcard', async (t) => {
  t.equal(loadConfig({}).corsOrigins, undefined, 'unset: same origin only')
  t.equal(loadConfig({ CORS_ORIGINS: '' }).corsOrigins, undefined, 'empty, as docker-compose.yml passes it unset: same origin only')
  t.same(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins, ['https://app.example.com', 'http://localhost:5173'])
  const refusals: Array<[string, RegExp]> = [
    ['*', /^CORS_ORIGINS entry "\*" is a wildcard: the listed origins get the refresh cookie \(credentials\), so list each one/],
    ['https://*.example.com', /is a wildcard/],
    ['https://app.example.com/', /^CORS_ORIGINS entry "https:\/\/app\.example\.com\/" is not an origin \(did you mean https:\/\/app\.example\.com\?\): expected .*scheme:\/\/host\[:port\]/],
    ['https://app.example.com/login', /\(did you mean https:\/\/app\.example\.com\?\)/],
    ['https://App.Example.com', /\(did you mean https:\/\/app\.example\.com\?\)/],
    ['https://app.example.com:443', /\(did you mean https:\/\/app\.example\.com\?\)/],
    ['app.example.com', /^CORS_ORIGINS entry "app\.example\.com" is not an origin: expected/],
    ['null', /is not an origin: expected/],
    ['file:///index.html', /is not an origin: expected/],
    ['https://app.example.com,', /^CORS_ORIGINS entry "" is not an origin/]
  ]
  for (const [raw, message] of refusals) {
    t.throws(() => loadConfig({ CORS_ORIGINS: raw }), { name: 'ConfigError', message }, `CORS_ORIGINS=${raw} is refused`)
  }
})

t.test('NODE_ENV=production refuses a plain-http CORS origin', async (t) => {
  const production = { NODE_ENV: 'production', REDIS_URL: 'redis://localhost:6379', JWT_KEYS_DIR: '/keys', JWT_ISSUER: 'https://auth.example.com' }
  t.same(loadConfig({ ...production, CORS_ORIGINS: 'https://app.example.com' }).corsOrigins, ['https://app.example.com'])
  t.throws(() => loadConfig({ ...production, CORS_ORIGINS: 'https://app.example.com,http://app.example.com' }),
    new ConfigError('NODE_ENV=production refuses plain-http CORS_ORIGINS (http://app.example.com): a script injected into such a page on the network would act with its users\' sessions; serve the page over https and list its https origin'))
})

t.test('SESSIONS_PER_USER_MAX: 100 by default, a whole number from 1 to 1000', async (t) => {
  t.equal(loadConfig({}).sessionsPerUserMax, 100)
  t.equal(loadConfig({ SESSIONS_PER_USER_MAX: '1' }).sessionsPerUserMax, 1)
  t.equal(loadConfig({ SESSIONS_PER_USER_MAX: '1000' }).sessionsPerUserMax, 1000)
  for (const bad of ['0', '-1', '2.5', 'many', '1001']) {
    t.throws(() => loadConfig({ SESSIONS_PER_USER_MAX: bad }),
      new ConfigError(`SESSIONS_PER_USER_MAX=${JSON.stringify(bad)} is not valid: expected a whole number from 1 to 1000`), `SESSIONS_PER_USER_MAX=${bad} is refused`)
  }
})

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

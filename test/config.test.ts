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

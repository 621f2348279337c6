// A bearer route needs both halves: config.bearer (for the WWW-Authenticate challenge) and
// fastify.authenticate (for the check itself). Either alone is refused when the route is declared.
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

t.test('a route flagged bearer without authenticate is refused', async (t) => {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }))
  t.teardown(async () => { await app.close() })
  t.throws(() => app.get('/open', { config: { bearer: true } }, async () => 'open'), /must have both config\.bearer: true and fastify\.authenticate/)
})

t.test('a route running authenticate without the bearer flag is refused', async (t) => {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }))
  t.teardown(async () => { await app.close() })
  t.throws(() => app.get('/quiet', { preHandler: [app.authenticate] }, async () => 'quiet'), /GET \/quiet must have both/)
})

t.test('authenticate may run in onRequest or preHandler', async (t) => {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }))
  t.teardown(async () => { await app.close() })
  app.get('/early', { config: { bearer: true }, onRequest: app.authenticate }, async () => 'early')
  app.get('/late', { config: { bearer: true }, preHandler: [app.authenticate] }, async () => 'late')
  await app.ready()
  for (const url of ['/early', '/late']) t.equal((await app.inject(url)).statusCode, 401, url)
})

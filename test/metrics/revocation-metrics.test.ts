// The revocation gauges (docs/metrics.md): open feed streams, and revocations this instance knows in
// force; both read at scrape time, both exactly what the test did.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildTestApp, userWithSession } from '../helpers/app.js'
import { scrape } from '../helpers/metrics.js'
import { openSse } from '../helpers/sse-client.js'

const FEED_TOKEN = 'feed-token-for-the-metrics-test-0123456789'

t.test('rotor_revocation_feed_readers counts open streams; rotor_revocations_in_force the ended sessions', async (t) => {
  const app = await buildTestApp(t, { METRICS_PORT: '0', REVOCATION_FEED_TOKENS: FEED_TOKEN })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const gauges = async (): Promise<{ readers: number, inForce: number }> => {
    const now = await scrape(app)
    return { readers: now.value('rotor_revocation_feed_readers'), inForce: now.value('rotor_revocations_in_force') }
  }
  t.same(await gauges(), { readers: 0, inForce: 0 }, 'both from 0')

  const auth = { authorization: `Bearer ${FEED_TOKEN}` }
  const first = await openSse(`${url}/auth/revocations`, auth)
  const second = await openSse(`${url}/auth/revocations`, auth)
  t.teardown(() => { first.close(); second.close() })
  await Promise.all([first.waitFor((e) => e.event === 'ready'), second.waitFor((e) => e.event === 'ready')])
  t.equal((await gauges()).readers, 2)
  const refused = await fetch(`${url}/auth/revocations`, { headers: { accept: 'text/event-stream' } })
  t.equal(refused.status, 401, 'a refused reader is no reader')
  t.equal((await gauges()).readers, 2)

  const users = await Promise.all([userWithSession(app), userWithSession(app)])
  for (const user of users) {
    t.equal((await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: user.refreshToken } })).statusCode, 204)
  }
  const again = await userWithSession(app, users[0].username, users[0].password)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout-all', headers: { authorization: `Bearer ${again.accessToken}` } })).statusCode, 204)
  t.equal((await gauges()).inForce, 3, 'two logouts and one session ended by logout-all')

  first.close()
  for (let i = 0; i < 100 && (await gauges()).readers !== 1; i++) await sleep(20)
  t.equal((await gauges()).readers, 1, 'a reader that leaves is counted out')
})

// The example gateway run fail-closed (ON_STALE=reject, examples/fastify-gateway/README.md,
// "Settings"): once its feed has been cut off from Rotor for STALE_AFTER_MS, it answers 503
// ROTOR_FEED_STALE to tokens not known to be revoked, still 401 to those known to be, and verifies
// again as soon as the feed is back. Rotor and the gateway are processes, a cut proxy between them.
import t from 'tap'
import { startCutProxy } from '../../helpers/cut-proxy.js'
import {
  gatewayFor, gatewayRefusesAfter, keyDir, login, logout, register, startRedis, startRotor, throughGateway, waitFor
} from '../../helpers/gateway-fixture.js'

/** Short, so the test need not wait the default 30 s (feed-cut-catch-up.test.ts does). */
const STALE_AFTER_MS = 1_500

const redis = await startRedis(t)
const rotor = await startRotor(t, redis, await keyDir(t))
const proxy = await startCutProxy(t, rotor.port)
const gateway = await gatewayFor(t, proxy.url, { ON_STALE: 'reject', STALE_AFTER_MS: String(STALE_AFTER_MS) })

t.test('cut off past STALE_AFTER_MS, the gateway refuses with 503 until the feed is back', async (t) => {
  await register(rotor, 'ada')
  const [ended, live] = [await login(rotor, 'ada'), await login(rotor, 'ada')]
  t.equal((await logout(rotor, ended.accessToken)).status, 204)
  await gatewayRefusesAfter(gateway, ended.accessToken, Date.now())
  t.equal((await throughGateway(gateway, live.accessToken)).status, 200, 'a live session passes while the feed is live')

  proxy.cut()
  await waitFor(() => gateway.events('revocation-feed-stale').length > 0, 'the gateway to log that its feed is stale')
  t.equal(gateway.events('revocation-feed-stale')[0]?.onStale, 'reject', 'the stale line names the policy')
  const refused = await throughGateway(gateway, live.accessToken)
  t.equal(refused.status, 503, 'a token not known to be revoked: 503, the client should retry')
  t.equal(refused.json().code, 'ROTOR_FEED_STALE')
  t.equal((await throughGateway(gateway, ended.accessToken)).status, 401, 'a token known to be revoked: still 401')
  t.equal((await gateway.get('/health')).json().feed, 'stale')

  proxy.restore()
  await waitFor(async () => (await throughGateway(gateway, live.accessToken)).status === 200, 'the gateway to verify again')
  t.equal((await gateway.get('/health')).json().feed, 'live', 'the feed is live again')
  t.equal((await throughGateway(gateway, ended.accessToken)).status, 401, 'and the revoked session stays refused')
})

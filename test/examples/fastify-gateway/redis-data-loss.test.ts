// A Redis that restarts without its data (no AOF, no snapshot) loses the revocation feed: the
// gateway's cursor is then newer than anything the feed holds, and Rotor answers `event: reset` with
// the (now empty) set in force. A session that ended before still ended: Rotor's own instances keep
// what they knew through a reset (src/domain/revocation-follower.ts), and so must the gateway, or a
// logged-out token would pass the gateway while Rotor refuses it. The example gateway (a process)
// is cut off from Rotor (a process) while Redis restarts, so it comes back with the old cursor.
import t from 'tap'
import { startCutProxy } from '../../helpers/cut-proxy.js'
import {
  call, gatewayFor, gatewayRefusesAfter, keyDir, login, logout, register, startRedis, startRotor, throughGateway, waitFor
} from '../../helpers/gateway-fixture.js'

const redis = await startRedis(t)
const rotor = await startRotor(t, redis, await keyDir(t))
const proxy = await startCutProxy(t, rotor.port)
const gateway = await gatewayFor(t, proxy.url)

t.test('Redis restarted without its data: the gateway resets and still refuses what had ended', async (t) => {
  await register(rotor, 'ada')
  const [ended, live] = [await login(rotor, 'ada'), await login(rotor, 'ada')]
  t.equal((await logout(rotor, ended.accessToken)).status, 204)
  await gatewayRefusesAfter(gateway, ended.accessToken, Date.now())

  proxy.cut()
  await waitFor(() => gateway.events('revocation-feed-disconnected').length > 0, 'the gateway to see the feed cut')
  const linesBefore = rotor.server.lines.length
  await redis.restart()
  await waitFor(async () => (await call(rotor, '/ready').catch(() => null))?.status === 200, 'Rotor to reach the empty Redis')
  // Rotor's follower must have started over before the next revocation: new ids restart from the
  // time they lapse, and one in the same second as the old cursor would look already read.
  await waitFor(() => rotor.server.lines.slice(linesBefore).some((line) => line.includes('"event":"revocations_caught_up"')), "Rotor's follower to read the empty feed")
  t.equal((await call(rotor, '/api/me', { token: ended.accessToken })).json().code, 'AUTH_SESSION_ENDED', 'Rotor still refuses the ended session')

  proxy.restore()
  // Once by its own catch-up; maybe again mid-stream, when Rotor's follower starts over too.
  await waitFor(() => gateway.events('revocation-feed-reset').length >= 1, 'the gateway to be told to reset')
  const resetAt = gateway.lines.findIndex((line) => line.includes('"event":"revocation-feed-reset"'))
  await waitFor(() => gateway.lines.slice(resetAt).some((line) => line.includes('"event":"revocation-feed-ready"')), 'the gateway to catch up')
  const refused = await throughGateway(gateway, ended.accessToken)
  t.equal(refused.status, 401, 'the gateway still refuses the session that ended before the loss')
  t.equal(refused.json().code, 'FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED')
  t.equal((await throughGateway(gateway, live.accessToken)).status, 200, 'a live token still passes')

  // The account went with the data: a new one, and a logout the new feed carries.
  await register(rotor, 'grace')
  const later = await login(rotor, 'grace')
  t.equal((await logout(rotor, later.accessToken)).status, 204)
  await gatewayRefusesAfter(gateway, later.accessToken, Date.now())
  t.equal((await gateway.get('/health')).json().revocations, 2, 'the gateway holds both: the one from before the loss and the new one')
})

// Issue 15, "How it is checked": a cursor older than everything kept yields `reset` and the full set,
// here with the example gateway (a process) resuming against a real Rotor process: the gateway
// adds what follows the reset to its set and refuses every session ended, before its break and
// during it.
//
// Rotor trims a feed entry once its id lies a 60 s margin past its `until` (lib/revocations.lua),
// which with the shortest ACCESS_TOKEN_TTL is still over a minute away. Rather than wait, the test
// does what the trim does to one entry: while the gateway is cut off, it appends an entry already
// out of force (a session whose tokens have all expired) and, once Rotor's own follower has read
// past it (as it has long done when the real trim comes), removes it with XDEL, which records it as
// the stream's max-deleted-entry-id. The gateway's cursor is then older than an entry the feed
// removed, which is exactly the rule read-revocations.lua answers with `reset`.
import t from 'tap'
import { Redis } from 'ioredis'
import { startCutProxy } from '../../helpers/cut-proxy.js'
import { openSse } from '../../helpers/sse-client.js'
import {
  FEED_TOKEN, call, gatewayFor, gatewayRefusesAfter, keyDir, login, logout, receivedIds, register, startRedis, startRotor, throughGateway, waitFor
} from '../../helpers/gateway-fixture.js'

const FEED_KEY = 'gateway:{rv}:feed'

const redis = await startRedis(t)
const rotor = await startRotor(t, redis, await keyDir(t), { REDIS_PREFIX: 'gateway:' })
const proxy = await startCutProxy(t, rotor.port)
const gateway = await gatewayFor(t, proxy.url)
const client = new Redis(redis.port, '127.0.0.1')
t.teardown(() => { client.disconnect() })

async function feedIds (): Promise<string[]> {
  const poll = await call(rotor, '/auth/revocations', { token: FEED_TOKEN })
  return poll.json<{ revocations: Array<{ id: string }> }>().revocations.map((r) => r.id)
}

t.test('a cursor older than an entry the feed trimmed: reset, the full set, then the feed goes on', async (t) => {
  await register(rotor, 'ada')
  const [before, during, later, live] = [await login(rotor, 'ada'), await login(rotor, 'ada'), await login(rotor, 'ada'), await login(rotor, 'ada')]
  t.equal((await logout(rotor, before.accessToken)).status, 204)
  await gatewayRefusesAfter(gateway, before.accessToken, Date.now())
  const cursor = (await gateway.get('/health')).json().lastEventId as string

  // A reader on Rotor directly, not cut off: what Rotor's follower has delivered.
  const direct = await openSse(`${rotor.url}/auth/revocations`, { authorization: `Bearer ${FEED_TOKEN}` })
  t.teardown(() => { direct.close() })
  await direct.waitFor((event) => event.event === 'ready')

  proxy.cut()
  await waitFor(() => gateway.events('revocation-feed-disconnected').length > 0, 'the gateway to see the feed cut')
  const lapsed = Math.floor(Date.now() / 1000) - 3600
  const trimmedId = await client.xadd(FEED_KEY, '*', 'sid', 'lapsed-session', 'sub', 'lapsed-user', 'reason', 'logout', 'at', String(lapsed - 905), 'until', String(lapsed))
  t.equal((await logout(rotor, during.accessToken)).status, 204, 'a logout while the gateway is away')
  await direct.waitFor(() => direct.revoked().some((r) => r.sid === during.sid))
  t.equal(await client.xdel(FEED_KEY, trimmedId as string), 1, 'an out-of-force entry after the cursor, trimmed once Rotor read past it')
  const inForce = await feedIds()
  t.equal(inForce.length, 2, 'Rotor still holds both revocations in force')

  proxy.restore()
  await waitFor(() => gateway.events('revocation-feed-reset').length === 1, 'the gateway to be told to reset')
  const resetAt = gateway.lines.findIndex((line) => line.includes('"event":"revocation-feed-reset"'))
  await waitFor(() => gateway.lines.slice(resetAt).some((line) => line.includes('"event":"revocation-feed-ready"')), 'the gateway to catch up after the reset')
  t.same(receivedIds(gateway), [cursor, ...inForce], 'after the reset, the gateway received the full set: everything in force')
  t.equal((await throughGateway(gateway, during.accessToken)).status, 401, 'the session ended during the break is refused')
  t.equal((await throughGateway(gateway, before.accessToken)).status, 401, 'and the one ended before it still is')
  const health = (await gateway.get('/health')).json()
  t.equal(health.revocations, 2, 'the set holds the full set, nothing else')
  t.equal(health.lastEventId, inForce.at(-1), 'the cursor is the last revocation in force')

  t.equal((await logout(rotor, later.accessToken)).status, 204)
  await gatewayRefusesAfter(gateway, later.accessToken, Date.now())
  t.pass('the feed goes on after the reset')
  t.equal((await throughGateway(gateway, live.accessToken)).status, 200, 'a live session still passes')
  t.equal(gateway.events('revocation-feed-reset').length, 1, 'one reset only')
})

// Issue 15, "How it is checked": a gateway disconnected for 30 s catches up with Last-Event-ID and
// gets nothing twice. The example gateway (a process) reaches Rotor (a process, on a redis-server of
// the test's) through a TCP proxy the test cuts: both keep running, only the network between them
// fails. Sessions ended during the cut are refused once the gateway is back; what it received is
// counted from its own `revocation-received` log lines (debug level, one per revocation).
//
// SLOW ON PURPOSE: the test really waits the contract's 30 s with the feed cut.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { startCutProxy } from '../../helpers/cut-proxy.js'
import {
  FEED_TOKEN, call, gatewayFor, gatewayRefusesAfter, keyDir, login, logout, receivedIdsThrough, register, startRedis, startRotor, throughGateway, waitFor
} from '../../helpers/gateway-fixture.js'

/** The contract's figure for a gateway's disconnection (issue 15). */
const CUT_FOR_MS = 30_000

const redis = await startRedis(t)
const rotor = await startRotor(t, redis, await keyDir(t))
const proxy = await startCutProxy(t, rotor.port)
const gateway = await gatewayFor(t, proxy.url)

t.test('cut for 30 s, the gateway resumes from its cursor and refuses what ended meanwhile, each revocation once', async (t) => {
  await register(rotor, 'ada')
  const [before, during1, during2, live] = [await login(rotor, 'ada'), await login(rotor, 'ada'), await login(rotor, 'ada'), await login(rotor, 'ada')]
  t.equal((await logout(rotor, before.accessToken)).status, 204)
  await gatewayRefusesAfter(gateway, before.accessToken, Date.now())
  const cursorBeforeCut = (await gateway.get('/health')).json().lastEventId as string
  t.same(await receivedIdsThrough(gateway, cursorBeforeCut), [cursorBeforeCut], 'before the cut: one revocation received, its id the cursor')
  const readyLines = gateway.events('revocation-feed-ready').length

  proxy.cut()
  const cutAt = Date.now()
  await waitFor(() => gateway.events('revocation-feed-disconnected').length > 0, 'the gateway to see the feed cut')
  t.equal(gateway.events('revocation-feed-disconnected')[0]?.reason !== undefined, true, 'the gateway logged the disconnection with its reason')

  t.equal((await logout(rotor, during1.accessToken)).status, 204, 'a logout during the cut')
  t.equal((await call(rotor, `/auth/sessions/${during2.sid}`, { method: 'DELETE', token: live.accessToken })).status, 204, 'a revocation during the cut')
  // onStale: accept (the example's default): a token not known to be revoked still passes while cut.
  t.equal((await throughGateway(gateway, during1.accessToken)).status, 200, 'while cut, the gateway does not know yet')
  t.equal((await throughGateway(gateway, before.accessToken)).status, 401, 'but still refuses what it knew')

  t.comment(`waiting ${CUT_FOR_MS / 1000} s with the feed cut (the contract's figure)`)
  await sleep(CUT_FOR_MS - (Date.now() - cutAt))
  // STALE_AFTER_MS is 30 s by default: the gateway has said so by now, or says so at once.
  await waitFor(() => gateway.events('revocation-feed-stale').length > 0, 'the gateway to log that the feed is stale')
  t.equal((await gateway.get('/health')).json().feed, 'stale', 'after 30 s cut the gateway reports the feed stale')
  t.ok(gateway.events('revocation-feed-disconnected').length > 1, `it kept trying (${gateway.events('revocation-feed-disconnected').length} failed attempts)`)
  const connectionsBeforeRestore = proxy.connections()

  proxy.restore()
  const restoredAt = Date.now()
  for (const session of [during1, during2]) {
    const ms = await gatewayRefusesAfter(gateway, session.accessToken, restoredAt)
    t.comment(`refused ${ms} ms after the network came back (reconnection back-off at most 1 s)`)
  }
  await waitFor(() => gateway.events('revocation-feed-ready').length > readyLines, 'the gateway to catch up')
  t.equal(proxy.connections(), connectionsBeforeRestore + 1, 'one new feed connection caught up')
  t.equal((await throughGateway(gateway, live.accessToken)).status, 200, 'a live session still passes')

  const poll = await call(rotor, '/auth/revocations', { token: FEED_TOKEN })
  const inFeed = poll.json<{ revocations: Array<{ id: string }> }>().revocations.map((r) => r.id)
  t.equal(inFeed.length, 3, 'Rotor holds three revocations in force')
  t.same(await receivedIdsThrough(gateway, inFeed.at(-1)), inFeed, 'the gateway received each exactly once, in feed order: it resumed after its cursor')
  t.equal((await gateway.get('/health')).json().lastEventId, inFeed.at(-1), 'and its cursor is the last')
})

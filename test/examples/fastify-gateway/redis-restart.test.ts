// Issue 15, "How it is checked": Redis stopped and restarted, the Rotor instances and the gateway
// catch up with nothing lost. Two Rotor processes share a redis-server (AOF, fsync always, as a
// production Redis that keeps its data); the example gateway (a process) follows the second. A
// session ended on the first just before Redis is killed, and one ended after it is back, are refused
// by both instances and by the gateway, which receives every revocation exactly once.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { HttpAnswer } from '../../helpers/server-process.js'
import {
  FEED_TOKEN, GATEWAY_REFUSES_WITHIN_MS, call, gatewayFor, gatewayRefusesAfter, keyDir, login, logout, receivedIdsThrough, register, startRedis, startRotor, throughGateway, waitFor,
  type Rotor
} from '../../helpers/gateway-fixture.js'

/** How long Redis stays down: long enough for every reader to notice and back off a few times. */
const REDIS_DOWN_MS = 3_000
/** The contract's bound for every instance sharing the store (docs/http-api.md, "Access tokens"). */
const REFUSED_BY_INSTANCES_WITHIN_MS = 1_000

const redis = await startRedis(t, { persistent: true })
const keys = await keyDir(t)
const [a, b] = await Promise.all([startRotor(t, redis, keys), startRotor(t, redis, keys)])
const gateway = await gatewayFor(t, b.url)

/** /api/me on `on` with `token`: the instance's own verdict. */
async function me (on: Rotor, token: string): Promise<HttpAnswer> {
  return await call(on, '/api/me', { token })
}

/** Polls `on` until it refuses `token` as an ended session's; the ms from `since`. */
async function instanceRefusesAfter (on: Rotor, token: string, since: number): Promise<number> {
  await waitFor(async () => (await me(on, token)).json().code === 'AUTH_SESSION_ENDED', 'the instance to refuse the ended session')
  return Date.now() - since
}

t.test('Redis killed and restarted: nothing lost for the instances or the gateway', async (t) => {
  await register(a, 'ada')
  const [known, justBefore, after, live] = [await login(a, 'ada'), await login(a, 'ada'), await login(b, 'ada'), await login(b, 'ada')]
  t.equal((await logout(a, known.accessToken)).status, 204)
  await gatewayRefusesAfter(gateway, known.accessToken, Date.now())

  // Ended, then Redis killed at once: the instances' followers and the gateway may not have it yet.
  t.equal((await logout(a, justBefore.accessToken)).status, 204, 'a logout answered just before Redis dies')
  await redis.kill()
  const killedAt = Date.now()

  t.equal((await throughGateway(gateway, live.accessToken)).status, 200, 'with Redis down, the gateway still verifies live sessions')
  t.equal((await throughGateway(gateway, known.accessToken)).status, 401, 'and still refuses what it knew')
  for (const on of [a, b]) t.equal((await me(on, known.accessToken)).json().code, 'AUTH_SESSION_ENDED', 'so does each instance')
  await sleep(REDIS_DOWN_MS - (Date.now() - killedAt))

  await redis.restart()
  const restartedAt = Date.now()
  const ms = await gatewayRefusesAfter(gateway, justBefore.accessToken, restartedAt)
  t.comment(`the gateway refused the session ended just before the kill ${ms} ms after Redis was back`)
  for (const on of [a, b]) await instanceRefusesAfter(on, justBefore.accessToken, restartedAt)
  t.pass('both instances refuse it too')

  // Ended on A as soon as A can reach Redis again; B (and through B the gateway) learns it from
  // B's follower, which must not sit out a long back-off once Redis is back.
  t.equal((await logout(a, after.accessToken)).status, 204, 'a logout as soon as Redis answers again')
  const loggedOutAt = Date.now()
  t.comment(`that logout answered ${loggedOutAt - restartedAt} ms after Redis was back`)
  const [onB, atGateway] = [await instanceRefusesAfter(b, after.accessToken, loggedOutAt), await gatewayRefusesAfter(gateway, after.accessToken, loggedOutAt)]
  t.comment(`refused by the other instance ${onB} ms, by the gateway ${atGateway} ms after the answer`)
  t.ok(onB <= REFUSED_BY_INSTANCES_WITHIN_MS, `the other instance refuses it within ${REFUSED_BY_INSTANCES_WITHIN_MS} ms (${onB} ms)`)
  t.ok(atGateway <= GATEWAY_REFUSES_WITHIN_MS, `the gateway refuses it within ${GATEWAY_REFUSES_WITHIN_MS} ms (${atGateway} ms)`)
  t.equal((await me(a, after.accessToken)).json().code, 'AUTH_SESSION_ENDED', 'and so does the instance that ended it')
  t.equal((await throughGateway(gateway, live.accessToken)).status, 200, 'a live session still passes')

  const poll = await call(a, '/auth/revocations', { token: FEED_TOKEN })
  const inFeed = poll.json<{ revocations: Array<{ id: string }> }>().revocations.map((r) => r.id)
  t.equal(inFeed.length, 3, 'Rotor holds the three revocations')
  t.same(await receivedIdsThrough(gateway, inFeed.at(-1)), inFeed, 'the gateway received each exactly once, in feed order')
})

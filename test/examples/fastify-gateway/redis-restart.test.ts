// Issue 15, "How it is checked": Redis stopped and restarted, the Rotor instances and the gateway
// catch up with nothing lost. Two Rotor processes share a redis-server (AOF, fsync always, as a
// production Redis that keeps its data); the example gateway (a process) follows the second. A
// session ended on the first just before Redis is killed, and one ended after it is back, are refused
// by both instances and by the gateway, which receives every revocation exactly once.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { HttpAnswer } from '../../helpers/server-process.js'
import {
  FEED_TOKEN, call, gatewayFor, gatewayRefusesAfter, keyDir, login, logout, receivedIds, register, startRedis, startRotor, throughGateway, waitFor,
  type Rotor
} from '../../helpers/gateway-fixture.js'

/** How long Redis stays down: long enough for every reader to notice and retry. */
const REDIS_DOWN_MS = 3_000

const redis = await startRedis(t, { persistent: true })
const keys = await keyDir(t)
const [a, b] = await Promise.all([startRotor(t, redis, keys), startRotor(t, redis, keys)])
const gateway = await gatewayFor(t, b.url)

/** /api/me on `on` with `token`: the instance's own verdict. */
async function me (on: Rotor, token: string): Promise<HttpAnswer> {
  return await call(on, '/api/me', { token })
}

async function instanceRefuses (on: Rotor, token: string): Promise<void> {
  await waitFor(async () => (await me(on, token)).json().code === 'AUTH_SESSION_ENDED', 'the instance to refuse the ended session')
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
  for (const on of [a, b]) await instanceRefuses(on, justBefore.accessToken)
  t.pass('both instances refuse it too')

  t.equal((await logout(b, after.accessToken)).status, 204, 'a logout after the restart')
  const loggedOutAt = Date.now()
  const afterMs = await gatewayRefusesAfter(gateway, after.accessToken, loggedOutAt)
  t.comment(`the gateway refused the session ended after the restart ${afterMs} ms after the answer`)
  for (const on of [a, b]) await instanceRefuses(on, after.accessToken)
  t.equal((await throughGateway(gateway, live.accessToken)).status, 200, 'a live session still passes')

  const poll = await call(a, '/auth/revocations', { token: FEED_TOKEN })
  const inFeed = poll.json<{ revocations: Array<{ id: string }> }>().revocations.map((r) => r.id)
  t.equal(inFeed.length, 3, 'Rotor holds the three revocations')
  t.same(receivedIds(gateway), inFeed, 'the gateway received each exactly once, in feed order')
})

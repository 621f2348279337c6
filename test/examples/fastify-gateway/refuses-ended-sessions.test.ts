// Issue 15, "How it is checked": the example gateway, started as a process in front of a real Rotor
// process on a real redis-server, refuses the access token of a session ended for each of the five
// reasons (logout, logout-all, reuse, password-change, revoked), and the sixth the contract has since
// gained (evicted, by a login past SESSIONS_PER_USER_MAX), within 2 s of the ending call's answer,
// through Rotor's HTTP API only, while the tokens of sessions that go on keep working.
import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { GatewayProcess } from '../../helpers/gateway-process.js'
import {
  GATEWAY_REFUSES_WITHIN_MS, PASSWORD, call, type Session, gatewayFor, gatewayRefusesAfter, keyDir, login, register, startRedis, startRotor, throughGateway, waitFor
} from '../../helpers/gateway-fixture.js'

const NEW_PASSWORD = 'a brand new passphrase'
/** Short, so the reuse case need not wait long for a spent refresh token to stop being a grace replay. */
const REUSE_GRACE_S = 1
/** Small, so a fourth login evicts; no step before the eviction holds more live sessions of one user. */
const SESSIONS_PER_USER_MAX = 3

const redis = await startRedis(t)
const rotor = await startRotor(t, redis, await keyDir(t), { REFRESH_REUSE_GRACE: String(REUSE_GRACE_S), SESSIONS_PER_USER_MAX: String(SESSIONS_PER_USER_MAX) })
const gateway: GatewayProcess = await gatewayFor(t, rotor.url)

/** Ends sessions with `end`; every token in `ended` is refused by the gateway within 2 s, and those in `kept` still pass. */
async function expectRefused (t: Test, reason: string, end: () => Promise<{ status: number }>, ended: string[], kept: string[]): Promise<void> {
  const answer = await end()
  const answeredAt = Date.now()
  // 401 for reuse (the refresh is refused as it ends the session), 200 for the login that evicts.
  t.ok([200, 204, 401].includes(answer.status), `${reason}: the ending call answered ${answer.status}`)
  for (const token of ended) {
    const ms = await gatewayRefusesAfter(gateway, token, answeredAt)
    t.comment(`${reason}: the gateway refused the ended session's token ${ms} ms after the answer`)
    t.ok(ms <= GATEWAY_REFUSES_WITHIN_MS, `${reason}: refused within ${GATEWAY_REFUSES_WITHIN_MS} ms (${ms} ms)`)
  }
  for (const token of kept) {
    t.equal((await throughGateway(gateway, token)).status, 200, `${reason}: a session that goes on still passes`)
  }
}

t.test('each reason: the gateway refuses the ended session within 2 s and keeps the others', async (t) => {
  await register(rotor, 'ada')
  const witness = await login(rotor, 'ada')
  const passes = await throughGateway(gateway, witness.accessToken)
  t.equal(passes.status, 200, 'a live session reaches the upstream')
  t.equal(passes.json().userId, (await call(rotor, '/api/me', { token: witness.accessToken })).json().id, 'as its user')

  const viaRefresh = await login(rotor, 'ada')
  t.equal((await throughGateway(gateway, viaRefresh.accessToken)).status, 200)
  await expectRefused(t, 'logout', async () => await call(rotor, '/auth/logout', { method: 'POST', body: { refreshToken: viaRefresh.refreshToken } }),
    [viaRefresh.accessToken], [witness.accessToken])

  const device = await login(rotor, 'ada')
  await expectRefused(t, 'revoked', async () => await call(rotor, `/auth/sessions/${device.sid}`, { method: 'DELETE', token: witness.accessToken }),
    [device.accessToken], [witness.accessToken])

  const stolen = await login(rotor, 'ada')
  const rotated = await call(rotor, '/auth/refresh', { method: 'POST', body: { refreshToken: stolen.refreshToken } })
  t.equal(rotated.status, 200)
  const rotatedAccess = rotated.json<{ accessToken: string }>().accessToken
  // Not a timing assertion: past REFRESH_REUSE_GRACE the spent refresh token is reuse.
  await sleep(REUSE_GRACE_S * 1000 + 500)
  await expectRefused(t, 'reuse', async () => await call(rotor, '/auth/refresh', { method: 'POST', body: { refreshToken: stolen.refreshToken } }),
    [stolen.accessToken, rotatedAccess], [witness.accessToken])

  const others = [await login(rotor, 'ada'), await login(rotor, 'ada')]
  await expectRefused(t, 'password-change',
    async () => await call(rotor, '/auth/password', { method: 'POST', token: witness.accessToken, body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } }),
    others.map((session) => session.accessToken), [witness.accessToken])

  await register(rotor, 'grace')
  const bystander = await login(rotor, 'grace')
  const more = [await login(rotor, 'ada', NEW_PASSWORD), await login(rotor, 'ada', NEW_PASSWORD)]
  await expectRefused(t, 'logout-all', async () => await call(rotor, '/auth/logout-all', { method: 'POST', token: witness.accessToken }),
    [witness.accessToken, ...more.map((session) => session.accessToken)], [bystander.accessToken])

  // ada has no live session left: three logins fill her cap, a fourth evicts the least recently used.
  const full = [await login(rotor, 'ada', NEW_PASSWORD), await login(rotor, 'ada', NEW_PASSWORD), await login(rotor, 'ada', NEW_PASSWORD)]
  let newest: Session | undefined
  await expectRefused(t, 'evicted', async () => {
    newest = await login(rotor, 'ada', NEW_PASSWORD)
    return { status: 200 }
  }, [full[0]?.accessToken ?? ''], full.slice(1).map((session) => session.accessToken))
  t.equal((await throughGateway(gateway, newest?.accessToken ?? '')).status, 200, 'evicted: the login that evicted passes')

  // What the gateway received, from its own log lines (LOG_LEVEL=debug: one per revocation).
  const expected = [
    { sid: viaRefresh.sid, reason: 'logout' },
    { sid: device.sid, reason: 'revoked' },
    { sid: stolen.sid, reason: 'reuse' },
    ...others.map((session) => ({ sid: session.sid, reason: 'password-change' })),
    ...[witness, ...more].map((session) => ({ sid: session.sid, reason: 'logout-all' })),
    { sid: full[0]?.sid, reason: 'evicted' }
  ]
  // pino writes asynchronously: a line can reach the test after the answer that followed it.
  await waitFor(() => gateway.events('revocation-received').length >= expected.length, "the gateway's revocation-received lines")
  const received = gateway.events('revocation-received').map((line) => ({ sid: line.sid, reason: line.reason }))
  // Logout-all's revocations come in the order Rotor lists the sessions: compare as sets per reason.
  const sorted = (list: Array<{ sid: unknown, reason: unknown }>): string[] => list.map((r) => `${String(r.reason)} ${String(r.sid)}`).sort()
  t.same(sorted(received), sorted(expected), 'the gateway received one revocation per ended session, with its reason, and no other')
  t.equal((await gateway.get('/health')).json().revocations, expected.length, 'and holds them all in force')
})

// Issue 15, "How it is checked": SIGHUP to Rotor with a new key file in JWT_KEYS_DIR: no request
// through the gateway fails, the new kid signs, and the gateway accepts the new tokens, because
// `event: keys` on the feed makes it fetch the JWKS at once (not when a cache lapses, nor when a
// token names an unknown kid: JWKS_COOLDOWN_MS is left at 30 s, longer than the test). Rotor and the
// example gateway are processes; JWKS fetches are counted from Rotor's request log lines.
import t from 'tap'
import { generateKeyFile } from '../../../src/domain/keys.js'
import type { HttpAnswer } from '../../helpers/server-process.js'
import { gatewayFor, keyDir, kidOf, login, register, startRedis, startRotor, throughGateway, waitFor } from '../../helpers/gateway-fixture.js'

const RELOADS = 3

const redis = await startRedis(t)
const keys = await keyDir(t)
// Room for every login of the load below: none evicts the session of the older token.
const rotor = await startRotor(t, redis, keys, { SESSIONS_PER_USER_MAX: '1000' })
const gateway = await gatewayFor(t, rotor.url)

const jwksFetches = (): number => rotor.server.lines.filter((line) => line.includes('"url":"/.well-known/jwks.json"') && line.includes('"incoming request"')).length
const keysLines = (): number => gateway.events('revocation-feed-keys').length

/** Sends SIGHUP and waits for Rotor's reload line and the gateway's `revocation-feed-keys` line. */
async function sighup (): Promise<void> {
  const reloads = rotor.server.lines.filter((line) => line.includes('"event":"keys_reloaded"')).length
  const announced = keysLines()
  rotor.server.child.kill('SIGHUP')
  await waitFor(() => rotor.server.lines.filter((line) => line.includes('"event":"keys_reloaded"')).length > reloads, 'Rotor to reload its keys')
  await waitFor(() => keysLines() > announced, 'the gateway to hear event: keys')
}

t.test('SIGHUP with a new key: nothing fails at the gateway, and the new kid passes at once', async (t) => {
  await register(rotor, 'ada')
  const first = await login(rotor, 'ada')
  t.equal(kidOf(first.accessToken), '2026-01-01')
  t.equal((await throughGateway(gateway, first.accessToken)).status, 200, 'the gateway has fetched the JWKS once')
  await waitFor(() => jwksFetches() >= 1, "Rotor's log line of the gateway's first JWKS fetch")
  const fetchesBefore = jwksFetches()

  // Requests through the gateway back to back while Rotor reloads: the older token, and fresh
  // logins whose tokens may carry the new kid the moment Rotor signs with it.
  let stop = false
  const failures: string[] = []
  let served = 0
  let newKidServed = 0
  const record = (what: string, answer: HttpAnswer): void => {
    served++
    if (answer.status !== 200) failures.push(`${what}: ${answer.status} ${answer.body}`)
  }
  const load = [
    (async () => { while (!stop) record('older token', await throughGateway(gateway, first.accessToken)) })(),
    (async () => {
      while (!stop) {
        const fresh = await login(rotor, 'ada')
        record(`fresh token of kid ${kidOf(fresh.accessToken)}`, await throughGateway(gateway, fresh.accessToken))
        if (kidOf(fresh.accessToken) === '2026-02-01') newKidServed++
      }
    })()
  ]
  await generateKeyFile('EdDSA', keys.dir, '2026-02-01')
  for (let i = 0; i < RELOADS; i++) await sighup()
  // Not a timing: the load goes on until tokens of the new kid have been through the gateway too.
  await waitFor(() => newKidServed >= 3, 'fresh tokens of the new kid through the gateway during the load')
  stop = true
  await Promise.all(load)
  t.same(failures, [], `none of ${served} requests through the gateway failed across ${RELOADS} reloads`)
  t.ok(served > 10, `the load went on through the reloads (${served} requests, ${newKidServed} of them with fresh tokens of the new kid)`)

  await waitFor(() => jwksFetches() >= fetchesBefore + RELOADS, 'one JWKS fetch per event: keys')
  t.comment(`JWKS fetches at Rotor: ${fetchesBefore} before, ${jwksFetches()} after ${RELOADS} reloads`)
  const second = await login(rotor, 'ada')
  t.equal(kidOf(second.accessToken), '2026-02-01', 'the new kid signs')
  t.equal((await throughGateway(gateway, second.accessToken)).status, 200, 'and the gateway accepts its tokens')
  t.equal((await throughGateway(gateway, first.accessToken)).status, 200, 'and still those of the older kid, still published')
})

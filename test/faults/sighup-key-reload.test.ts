// docs/http-api.md, "Access tokens": SIGHUP reloads JWT_KEYS_DIR without dropping a request. The new
// last kid signs, removed keys stop verifying, a folder that fails to load leaves the old keys in
// place with one error line, and every reload writes an audit line {event: 'keys_reloaded', kids}
// and tells revocation feed readers (event: keys). A real server process, signalled as an operator would.
import t from 'tap'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyFile } from '../../src/domain/keys.js'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { httpRequest, listeningUrl, spawnServer, type HttpAnswer, type ServerProcess } from '../helpers/server-process.js'
import { openSse, type SseClient } from '../helpers/sse-client.js'

const PASSWORD = 'correct horse battery'
const FEED_TOKEN = 'sighup-feed-token-0123456789abcdefghij'

const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
const server = await spawnServer(t, {
  PORT: '0', JWT_KEYS_DIR: keys.dir, REVOCATION_FEED_TOKENS: FEED_TOKEN, LOG_LEVEL: 'info', COOKIE_SECURE: 'false', RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES: '1000000'
})
const url = await listeningUrl(server)
// A gateway following the revocation feed all along.
const gateway: SseClient = await openSse(`${url}/auth/revocations`, { authorization: `Bearer ${FEED_TOKEN}` })
t.teardown(() => { gateway.close() })
await gateway.waitFor((event) => event.event === 'ready')
const keysEvents = (): number => gateway.events.filter((event) => event.event === 'keys').length

function kidOf (token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).kid as string
}

async function login (username: string): Promise<{ accessToken: string, refreshToken: string }> {
  const answer = await httpRequest(`${url}/auth/login`, { method: 'POST', body: { username, password: PASSWORD }, headers: { 'x-token-transport': 'body' } })
  if (answer.status !== 200) throw new Error(`login: ${answer.status} ${answer.body}`)
  return answer.json()
}

async function me (accessToken: string): Promise<HttpAnswer> {
  return await httpRequest(`${url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } })
}

function reloadLines (of: ServerProcess): Array<{ kids: string[], signingKid: string }> {
  return of.lines.filter((line) => line.includes('"event":"keys_reloaded"')).map((line) => JSON.parse(line))
}

/** Sends SIGHUP and waits for the reload's audit line (or its one error line). */
async function sighup (expect: 'keys_reloaded' | 'keys_reload_failed'): Promise<string> {
  const before = server.lines.length
  server.child.kill('SIGHUP')
  return await server.waitForLine((line) => server.lines.indexOf(line) >= before && line.includes(`"event":"${expect}"`))
}

t.equal((await httpRequest(`${url}/auth/register`, { method: 'POST', body: { username: 'rotating', password: PASSWORD } })).status, 201)

t.test('no request fails while keys are reloaded, and the new last kid signs', async (t) => {
  const first = await login('rotating')
  t.equal(kidOf(first.accessToken), '2026-01-01')

  // Verifications, refreshes and JWKS reads, back to back, across several reloads.
  let stop = false
  let refreshToken = first.refreshToken
  const failures: string[] = []
  let served = 0
  const load = Array.from({ length: 4 }, async (_, lane) => {
    while (!stop) {
      let answer: HttpAnswer
      if (lane === 0) {
        answer = await httpRequest(`${url}/auth/refresh`, { method: 'POST', body: { refreshToken } })
        if (answer.status === 200) refreshToken = answer.json<{ refreshToken: string }>().refreshToken
      } else if (lane === 1) {
        answer = await httpRequest(`${url}/.well-known/jwks.json`)
      } else {
        answer = await me(first.accessToken)
      }
      served++
      if (answer.status !== 200) failures.push(`${answer.status} ${answer.body}`)
    }
  })
  await generateKeyFile('EdDSA', keys.dir, '2026-02-01')
  const announced = keysEvents()
  for (let i = 0; i < 5; i++) await sighup('keys_reloaded')
  await gateway.waitFor(() => keysEvents() >= announced + 5)
  t.equal(keysEvents(), announced + 5, 'feed readers got event: keys once per reload')
  stop = true
  await Promise.all(load)
  t.same(failures, [], `none of ${served} requests during five reloads failed`)
  t.ok(served > 20, `the load kept going through the reloads (${served} requests)`)

  const audit = reloadLines(server).at(-1)
  t.same(audit?.kids, ['2026-01-01', '2026-02-01'], 'the audit line lists the kids now in the ring')
  t.equal(audit?.signingKid, '2026-02-01')
  const second = await login('rotating')
  t.equal(kidOf(second.accessToken), '2026-02-01', 'a new token is signed with the new last kid')
  t.equal((await me(second.accessToken)).status, 200)
  t.equal((await me(first.accessToken)).status, 200, 'a token of the older kid still verifies while its key is there')
  const jwks = await httpRequest(`${url}/.well-known/jwks.json`)
  t.same(jwks.json<{ keys: Array<{ kid: string }> }>().keys.map((key) => key.kid), ['2026-01-01', '2026-02-01'], 'the JWKS publishes both')
})

t.test('a removed key stops verifying at the next SIGHUP', async (t) => {
  const current = await login('rotating')
  t.equal(kidOf(current.accessToken), '2026-02-01')
  // A token of the older key, made before it is removed.
  await rm(join(keys.dir, '2026-02-01.pem'))
  await sighup('keys_reloaded')
  const older = await login('rotating')
  t.equal(kidOf(older.accessToken), '2026-01-01', 'with the newest file gone, the remaining kid signs')
  await generateKeyFile('EdDSA', keys.dir, '2026-03-01')
  await rm(join(keys.dir, '2026-01-01.pem'))
  await sighup('keys_reloaded')

  const refused = await me(older.accessToken)
  t.equal(refused.status, 401, 'a token of a removed kid is refused')
  t.equal(refused.json().code, 'AUTH_TOKEN_INVALID')
  t.equal((await me(current.accessToken)).status, 401, 'so is a token of the other removed kid')
  t.equal(kidOf((await login('rotating')).accessToken), '2026-03-01')
  t.same(reloadLines(server).at(-1)?.kids, ['2026-03-01'])
})

t.test('a folder that fails to load leaves the old keys in place, with one error line', async (t) => {
  const before = await login('rotating')
  await writeFile(join(keys.dir, '2026-04-01.pem'), 'not a key')
  const errorsBefore = server.lines.filter((line) => line.includes('"level":50')).length
  const announced = keysEvents()
  const line = await sighup('keys_reload_failed')
  t.match(line, /2026-04-01\.pem/, 'the error line names the file')
  t.match(line, /current keys stay in use/)
  t.equal(server.lines.filter((l) => l.includes('"level":50')).length, errorsBefore + 1, 'exactly one error line')
  t.equal((await me(before.accessToken)).status, 200, 'tokens of the kept keys still verify')
  t.equal(kidOf((await login('rotating')).accessToken), '2026-03-01', 'the kept last kid still signs')
  t.equal(server.child.exitCode, null, 'the server is still running')
  t.equal(keysEvents(), announced, 'no event: keys when nothing changed')
  await rm(join(keys.dir, '2026-04-01.pem'))
})

t.test('SIGTERM still shuts the server down, ending the feed stream cleanly', async (t) => {
  server.child.kill('SIGTERM')
  t.equal(await gateway.ended, true)
  t.equal(await server.exited, 0)
})

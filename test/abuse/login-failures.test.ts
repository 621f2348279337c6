// LOGIN_MAX_FAILURES failed logins for one username in 15 minutes (docs/http-api.md): the next login for
// that name answers 429 AUTH_RATE_LIMITED with Retry-After, whichever IP it comes from, without
// checking the password (the right one is refused too, and no login handler runs), exactly alike
// for a real and an unknown username; a success does not reset the count; instances share it.
import t from 'tap'
import { Writable } from 'node:stream'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, fileRedisServer, forEachStore, register } from '../helpers/app.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'

const MAX_FAILURES = 3
const PASSWORD = 'correct horse battery'
const ENV = { LOGIN_MAX_FAILURES: String(MAX_FAILURES), RATE_LIMIT_PER_MINUTE: '100000', LOG_LEVEL: 'info' }

/** An app whose log lines (pino JSON) the test can read back. */
async function appWithLog (t: Parameters<typeof buildTestApp>[0], store: AuthStore) {
  const lines: Array<Record<string, unknown>> = []
  const logStream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      callback()
    }
  })
  const app = await buildTestApp(t, ENV, { store, logStream })
  return { app, events: (name: string) => lines.filter((line) => line.event === name).length }
}

async function login (app: FastifyInstance, username: string, password: string, ip: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/auth/login', remoteAddress: ip, headers: { 'x-token-transport': 'body' }, payload: { username, password } })
}

/** The answer with the seconds left taken out, so two lockouts a moment apart compare equal. */
function shape (response: LightMyRequestResponse) {
  const headerNames = Object.keys(response.headers).filter((name) => name !== 'date').sort()
  return { status: response.statusCode, headerNames, body: response.body.replace(/\d+ seconds/, 'N seconds') }
}

forEachStore(t, async (t, kind) => {
  t.test('failures from several IPs lock the name; real and unknown names get the same 429', async (t) => {
    const { app, events } = await appWithLog(t, await kind.create(t))
    t.equal((await register(app, 'alice', PASSWORD)).statusCode, 201)
    // Interleaved, so both names' windows start within one request of each other.
    for (let i = 1; i <= MAX_FAILURES; i++) {
      for (const name of ['alice', 'nobody-here']) {
        const failed = await login(app, name, 'wrong password!', `10.0.0.${i}`)
        t.equal(failed.statusCode, 401, `${name}: failure ${i} is 401`)
      }
    }
    const alice = await login(app, 'alice', PASSWORD, '10.0.0.200')
    const nobody = await login(app, 'nobody-here', PASSWORD, '10.0.0.201')
    t.equal(alice.statusCode, 429, 'alice is locked out even with the right password, from a fresh IP')
    t.equal(alice.json().code, 'AUTH_RATE_LIMITED')
    t.same(Object.keys(alice.json()).sort(), ['code', 'error', 'message', 'statusCode'])
    const retryAfter = Number(alice.headers['retry-after'])
    t.ok(retryAfter > 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter} s is within the 15-minute window`)
    t.same(shape(nobody), shape(alice), 'an unknown name gets the same status, headers and body')
    t.ok(Math.abs(Number(nobody.headers['retry-after']) - retryAfter) <= 1, 'and the same Retry-After')

    // Locked attempts never reach the handler: no argon2 check, no new failure, no login.
    const failuresBefore = events('login_failed')
    for (const ip of ['10.0.1.1', '10.0.1.2']) t.equal((await login(app, 'alice', PASSWORD, ip)).statusCode, 429)
    t.equal(events('login_failed'), failuresBefore, 'no failure recorded while locked')
    t.equal(failuresBefore, 2 * MAX_FAILURES)
    t.equal(events('login'), 0, 'no login happened')
    // Another name is not affected.
    t.equal((await register(app, 'carol', PASSWORD)).statusCode, 201)
    t.equal((await login(app, 'carol', PASSWORD, '10.0.0.1')).statusCode, 200)
  })

  t.test('concurrent guesses cannot overshoot the limit: each is counted before its password is checked', async (t) => {
    const { app, events } = await appWithLog(t, await kind.create(t))
    await register(app, 'dora', PASSWORD)
    const guesses = await Promise.all(Array.from({ length: 4 * MAX_FAILURES }, async (_, i) =>
      await login(app, 'dora', `parallel guess ${i}`, `10.3.0.${i}`)))
    const statuses = guesses.map((answer) => answer.statusCode)
    t.equal(statuses.filter((status) => status === 401).length, MAX_FAILURES, `only ${MAX_FAILURES} guesses were checked (${statuses.join(',')})`)
    t.equal(statuses.filter((status) => status === 429).length, 3 * MAX_FAILURES, 'the rest were refused before any hashing')
    t.equal(events('login_failed'), MAX_FAILURES)
    t.equal((await login(app, 'dora', PASSWORD, '10.3.1.1')).statusCode, 429, 'and the name is locked')
  })

  t.test('attempts that are not failures give their reservation back', async (t) => {
    const { app } = await appWithLog(t, await kind.create(t))
    await register(app, 'erin', PASSWORD)
    // Successes and malformed passwords, many more than the limit, at most the limit in flight at
    // once (in-flight attempts count until they are answered): none is a failure.
    const answers = []
    for (let batch = 0; batch < 3; batch++) {
      answers.push(...await Promise.all(Array.from({ length: MAX_FAILURES }, async (_, i) =>
        await login(app, 'erin', i % 2 === 0 ? PASSWORD : 'short', `10.4.${batch}.${i}`))))
    }
    t.same([...new Set(answers.map((answer) => answer.statusCode))].sort(), [200, 400], 'each answered as itself, none 429')
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.equal((await login(app, 'erin', `wrong guess ${i}`, '10.4.1.1')).statusCode, 401)
    t.equal((await login(app, 'erin', PASSWORD, '10.4.1.2')).statusCode, 200, 'still below the limit: the full budget of failures was left')
  })

  t.test("a success does not reset the count, not even another IP's failures", async (t) => {
    const { app } = await appWithLog(t, await kind.create(t))
    await register(app, 'bob', PASSWORD)
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.equal((await login(app, 'bob', 'guess number ' + String(i), '192.0.2.66')).statusCode, 401)
    t.equal((await login(app, 'bob', PASSWORD, '198.51.100.1')).statusCode, 200, 'the owner logs in from home')
    t.equal((await login(app, 'bob', 'one more guess', '192.0.2.66')).statusCode, 401, 'the last allowed failure')
    t.equal((await login(app, 'bob', PASSWORD, '198.51.100.1')).statusCode, 429, 'locked: the success did not hand out a fresh budget')
  })
})

t.test('two instances on one Redis share the count', async (t) => {
  const server = await fileRedisServer(t)
  const prefix = `login-shared-${process.pid}:`
  const stores = [createRedisStore({ url: server.url, prefix }), createRedisStore({ url: server.url, prefix })]
  t.teardown(async () => { await Promise.all(stores.map(async (store) => { await store.close() })) })
  const apps = await Promise.all(stores.map(async (store) => (await appWithLog(t, store)).app))
  await register(apps[0] as FastifyInstance, 'dave', PASSWORD)
  for (let i = 0; i < MAX_FAILURES; i++) {
    t.equal((await login(apps[i % 2] as FastifyInstance, 'dave', 'wrong password!', `10.9.0.${i}`)).statusCode, 401)
  }
  for (const app of apps) t.equal((await login(app, 'dave', PASSWORD, '10.9.1.1')).statusCode, 429, 'both instances see the lockout')
})

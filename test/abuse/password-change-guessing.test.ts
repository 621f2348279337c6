// Wrong `currentPassword`s on POST /auth/password count toward the username's LOGIN_MAX_FAILURES,
// the same counter and window as failed logins: a holder of a stolen access token cannot guess the
// password at the per-IP rate. Past the limit, password change answers 429 AUTH_RATE_LIMITED with
// Retry-After (the right password too), and so does login for the name.
import t from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildTestApp, forEachStore, loginBody, register } from '../helpers/app.js'

const MAX_FAILURES = 3
const PASSWORD = 'correct horse battery'
const ENV = { LOGIN_MAX_FAILURES: String(MAX_FAILURES), RATE_LIMIT_PER_MINUTE: '100000' }

async function changePassword (app: FastifyInstance, accessToken: string, currentPassword: string, newPassword = 'a brand new passphrase'): Promise<LightMyRequestResponse> {
  return await app.inject({
    method: 'POST', url: '/auth/password', headers: { authorization: `Bearer ${accessToken}` }, payload: { currentPassword, newPassword }
  })
}

async function accountWithToken (app: FastifyInstance, username: string): Promise<string> {
  t.equal((await register(app, username, PASSWORD)).statusCode, 201)
  const login = await loginBody(app, username, PASSWORD)
  return (login.json() as { accessToken: string }).accessToken
}

forEachStore(t, async (t, kind) => {
  t.test('guessing currentPassword with a valid token hits the limit: 429, and login for the name too', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    const token = await accountWithToken(app, 'grace')
    for (let i = 0; i < MAX_FAILURES; i++) {
      t.equal((await changePassword(app, token, `guess number ${i}`)).statusCode, 401, `guess ${i + 1} is checked`)
    }
    const locked = await changePassword(app, token, 'one guess too many')
    t.equal(locked.statusCode, 429, 'the next guess is refused')
    t.equal(locked.json().code, 'AUTH_RATE_LIMITED')
    const retryAfter = Number(locked.headers['retry-after'])
    t.ok(retryAfter > 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter} s is within the 15-minute window`)
    t.equal(locked.headers['www-authenticate'], undefined, 'a 429 is no token problem')
    t.equal((await changePassword(app, token, PASSWORD)).statusCode, 429, 'the right password too: no oracle while locked')
    t.equal((await loginBody(app, 'grace', PASSWORD)).statusCode, 429, 'login for the name shares the counter')
  })

  t.test('failed logins count toward password change', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    const token = await accountWithToken(app, 'heidi')
    for (let i = 0; i < MAX_FAILURES; i++) t.equal((await loginBody(app, 'heidi', `login guess ${i}`)).statusCode, 401)
    t.equal((await changePassword(app, token, PASSWORD)).statusCode, 429)
  })

  t.test('concurrent guesses cannot overshoot: each is counted before it is checked', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    const token = await accountWithToken(app, 'ivan')
    const answers = await Promise.all(Array.from({ length: 4 * MAX_FAILURES }, async (_, i) => await changePassword(app, token, `parallel guess ${i}`)))
    const statuses = answers.map((answer) => answer.statusCode)
    t.equal(statuses.filter((status) => status === 401).length, MAX_FAILURES, `only ${MAX_FAILURES} guesses were checked (${statuses.join(',')})`)
    t.equal(statuses.filter((status) => status === 429).length, 3 * MAX_FAILURES)
  })

  t.test('a change that is not a failure gives its reservation back; a refused one changes nothing', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    const token = await accountWithToken(app, 'judy')
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.equal((await changePassword(app, token, `wrong guess ${i}`)).statusCode, 401)
    t.equal((await changePassword(app, token, PASSWORD, 'the second passphrase')).statusCode, 204, 'the owner changes her password')
    t.equal((await changePassword(app, token, 'short')).statusCode, 400, 'a malformed one is no guess either')
    t.equal((await changePassword(app, token, 'the last allowed guess')).statusCode, 401, 'the success and the 400 left the last failure')
    t.equal((await changePassword(app, token, 'the second passphrase', 'a third passphrase')).statusCode, 429)
    t.equal((await loginBody(app, 'judy', 'the second passphrase')).statusCode, 429, 'locked for login too')
  })
})

// Error messages say what to do, with the codes unchanged (issue 16): a 415 names application/json,
// a 413 states the limit, a missing refresh token says where one may come from, length limits are
// the enforced ones, an extra property is named, a wrong currentPassword says so, and a 429 says
// which limit refused it without telling whether the username exists.
import t from 'tap'
import { buildTestApp, register, userWithSession } from '../helpers/app.js'
import { BODY_LIMIT } from '../../src/app.js'

const app = await buildTestApp(t)

t.test('a 415 names application/json', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'x' })
  t.equal(res.statusCode, 415)
  t.equal(res.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  t.match(res.json().message, /Content-Type: application\/json/)
})

t.test('a 413 states the limit', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'a', password: 'x'.repeat(BODY_LIMIT) }) })
  t.equal(res.statusCode, 413)
  t.equal(res.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
  t.match(res.json().message, new RegExp(`at most ${BODY_LIMIT} bytes`))
})

t.test('a missing refresh token says where one may come from', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/auth/refresh', headers: { 'x-requested-with': 'fetch' } })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'AUTH_REFRESH_MISSING')
  t.match(res.json().message, /cookie with an X-Requested-With header/)
  t.match(res.json().message, /X-Token-Transport: body/)
})

// A cookie client that sends {} is refused by the body schema before its cookie is read: the
// message says that the cookie transport takes no body at all, and following it works.
t.test('a cookie refresh with a {} body is told to send no body', async (t) => {
  await register(app, 'cookie-with-body', 'correct horse battery')
  const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'cookie-with-body', password: 'correct horse battery' } })
  const cookie = String(login.headers['set-cookie']).split(';')[0] ?? ''
  const headers = { cookie, 'x-requested-with': 'fetch' }
  for (const url of ['/auth/refresh', '/auth/logout']) {
    const refused = await app.inject({ method: 'POST', url, headers, payload: {} })
    t.equal(refused.statusCode, 400, url)
    t.equal(refused.json().code, 'FST_ERR_VALIDATION', `${url}: the code is unchanged`)
    t.match(refused.json().message, /^missing property "refreshToken": /, `${url}: names the property`)
    t.match(refused.json().message, /body transport \(X-Token-Transport: body\)[^;]* refreshToken/, `${url}: the body transport needs refreshToken`)
    t.match(refused.json().message, /cookie transport[^;]* no body at all/, `${url}: the cookie transport sends no body`)
  }
  const refreshed = await app.inject({ method: 'POST', url: '/auth/refresh', headers })
  t.equal(refreshed.statusCode, 200, 'the same request without a body refreshes')
})

// Issue 16: the limits a message states are the ones enforced. The numbers are read from the
// message and then tried at each edge, so a message and a rule that drift apart fail here.
function statedLimits (message: string): [number, number] {
  const match = /(\d+) to (\d+) characters/.exec(message)
  if (match === null) throw new Error(`no limits in: ${message}`)
  return [Number(match[1]), Number(match[2])]
}

t.test('the password limits in messages are the enforced ones, in code points after NFKC', async (t) => {
  const registerWith = async (password: string, username = `limits${Math.random().toString(36).slice(2, 10)}`) =>
    await app.inject({ method: 'POST', url: '/auth/register', payload: { username, password } })
  const short = await registerWith('x'.repeat(7))
  t.equal(short.statusCode, 400)
  const [min, max] = statedLimits(short.json().message)
  t.match(short.json().message, /^password must be .* \(Unicode code points, counted after NFKC normalisation\)$/)
  t.equal((await registerWith('x'.repeat(min))).statusCode, 201, `${min} characters: accepted`)
  t.equal((await registerWith('x'.repeat(min - 1))).statusCode, 400, `${min - 1}: refused`)
  // An emoji is 1 code point, 2 UTF-16 units and 4 bytes: the limit counts code points.
  t.equal((await registerWith('😀'.repeat(max))).statusCode, 201, `${max} emoji (${4 * max} bytes): accepted`)
  const long = await registerWith('😀'.repeat(max + 1))
  t.equal(long.statusCode, 400, `${max + 1} emoji: refused`)
  t.same(statedLimits(long.json().message), [min, max], 'the same limits when too long')
  // "e" + U+0301 is 2 code points as sent and 1 after NFKC: counted after.
  const composed = await registerWith('e\u0301'.repeat(min - 1))
  t.equal(composed.statusCode, 400, `${2 * (min - 1)} code points as sent, ${min - 1} after NFKC: refused`)
  for (const [what, password] of [['empty', ''], ['beyond the schema\'s raw bound', 'x'.repeat(4097)]] as const) {
    const response = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'someone', password } })
    t.equal(response.statusCode, 400, what)
    t.same(statedLimits(response.json().message), [min, max], `${what}: the schema's refusal states the enforced limits, not its own`)
  }
})

t.test('the username limits in messages are the enforced ones', async (t) => {
  const registerAs = async (username: string) => await app.inject({ method: 'POST', url: '/auth/register', payload: { username, password: 'correct horse battery' } })
  const short = await registerAs('ab')
  t.equal(short.statusCode, 400)
  const [min, max] = statedLimits(short.json().message)
  t.equal((await registerAs('u'.repeat(min - 1) + 'z')).statusCode, 201, `${min} characters: accepted`)
  t.equal((await registerAs('v'.repeat(max))).statusCode, 201, `${max}: accepted`)
  t.same(statedLimits((await registerAs('w'.repeat(max + 1))).json().message), [min, max], `${max + 1}: refused, same limits`)
  const raw = await registerAs('y'.repeat(257))
  t.equal(raw.statusCode, 400)
  t.same(statedLimits(raw.json().message), [min, max], 'beyond the schema\'s raw bound: the enforced limits again')
})

t.test('an extra property names it and the ones the body may hold', async (t) => {
  const cases: Array<[string, object, string]> = [
    ['/auth/login', { usrname: 'ada', password: 'correct horse battery' }, 'unknown property "usrname": the body may hold only username and password'],
    ['/auth/login', { username: 'ada', password: 'correct horse battery', remember: true }, 'unknown property "remember": the body may hold only username and password'],
    ['/auth/register', { username: 'ada', pasword: 'correct horse battery' }, 'unknown property "pasword": the body may hold only username and password'],
    ['/auth/refresh', { refreshToken: 'rt_x', token: 'rt_x' }, 'unknown property "token": the body may hold only refreshToken'],
    ['/auth/login', { username: 'ada' }, 'missing property "password": the body must hold username and password']
  ]
  for (const [url, payload, message] of cases) {
    const response = await app.inject({ method: 'POST', url, headers: { 'x-requested-with': 'fetch' }, payload })
    t.equal(response.statusCode, 400, `${url} ${JSON.stringify(payload)}`)
    t.equal(response.json().code, 'FST_ERR_VALIDATION', 'the code is unchanged')
    t.equal(response.json().message, message)
  }
  const long = await app.inject({ method: 'POST', url: '/auth/login', payload: { ['k'.repeat(5000)]: 1, username: 'ada', password: 'correct horse battery' } })
  t.ok(long.json().message.length < 200, 'a huge property name is not echoed back whole')
})

t.test('a wrong currentPassword says so, counts toward LOGIN_MAX_FAILURES, and blames no token', async (t) => {
  const locking = await buildTestApp(t, { LOGIN_MAX_FAILURES: '2' })
  const { accessToken, password } = await userWithSession(locking)
  const change = async (currentPassword: string) => await locking.inject({
    method: 'POST', url: '/auth/password', headers: { authorization: `Bearer ${accessToken}` }, payload: { currentPassword, newPassword: 'a brand new password' }
  })
  const wrong = await change('not the password')
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.json().code, 'AUTH_INVALID_CREDENTIALS', 'the code is unchanged')
  t.match(wrong.json().message, /^currentPassword is not this account's password/)
  t.equal(wrong.headers['www-authenticate'], 'Bearer realm="rotor"', 'no invalid_token: the access token is fine')
  t.equal((await change('still not it')).statusCode, 401, 'the second wrong one reaches the limit')
  const locked = await change(password)
  t.equal(locked.statusCode, 429, 'past LOGIN_MAX_FAILURES even the right password waits')
  t.match(locked.json().message, /^Too many wrong passwords for this username/)
})

t.test('an account lock and a per-IP limit say which they are; a lock reads the same for any name', async (t) => {
  const locking = await buildTestApp(t, { LOGIN_MAX_FAILURES: '1' })
  await register(locking, 'lock-me', 'correct horse battery')
  const lockedAnswer = async (username: string) => {
    await locking.inject({ method: 'POST', url: '/auth/login', payload: { username, password: 'wrong guess 1' } })
    const response = await locking.inject({ method: 'POST', url: '/auth/login', payload: { username, password: 'wrong guess 2' } })
    t.equal(response.statusCode, 429, `${username}: locked`)
    t.ok(Number(response.headers['retry-after']) > 0, `${username}: Retry-After`)
    const body = response.json() as Record<string, unknown>
    // The seconds left may differ by one between the two names; nothing else may.
    return { ...body, message: String(body.message).replace(/\d+/g, 'N') }
  }
  const known = await lockedAnswer('lock-me')
  const unknown = await lockedAnswer('nobody-by-this-name')
  t.same(unknown, known, 'an unknown name is locked in the same words as a registered one')
  t.equal(known.message, 'Too many wrong passwords for this username: logins and password changes for it are refused for N seconds')

  const limited = await buildTestApp(t, { RATE_LIMIT_PER_MINUTE: '1' })
  const answers = []
  for (const url of ['/auth/register', '/auth/register', '/auth/login', '/auth/login']) {
    answers.push(await limited.inject({ method: 'POST', url, payload: { username: 'per-ip', password: 'correct horse battery' } }))
  }
  for (const response of [answers[1], answers[3]]) {
    t.equal(response?.statusCode, 429)
    t.match(response?.json().message, /^Too many requests from this IP address to this route: retry after \d+ seconds$/, 'the per-IP limit names itself')
  }
})

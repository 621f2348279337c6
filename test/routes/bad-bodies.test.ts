// Every bad body gets a contract error (400/413/415) and changes nothing.
import t from 'tap'
import { buildTestApp, forEachStore, loginBody, register } from '../helpers/app.js'

const long = (n: number) => 'x'.repeat(n)

const badCredentials: Array<[string, unknown]> = [
  ['password as a number', { username: 'mallory', password: 12345678 }],
  ['username as a number', { username: 1234, password: 'correct horse battery' }],
  ['username as an array', { username: ['mallory'], password: 'correct horse battery' }],
  ['password as an object', { username: 'mallory', password: { $gt: '' } }],
  ['password as null', { username: 'mallory', password: null }],
  ['password as a boolean', { username: 'mallory', password: true }],
  ['missing password', { username: 'mallory' }],
  ['missing username', { password: 'correct horse battery' }],
  ['empty object', {}],
  ['extra field', { username: 'mallory', password: 'correct horse battery', admin: true }],
  ['__proto__ key', JSON.parse('{"username":"mallory","password":"correct horse battery","__proto__":{"admin":true}}')],
  ['constructor key', { username: 'mallory', password: 'correct horse battery', constructor: { prototype: { admin: true } } }],
  ['control character in username', { username: 'mal\u0000lory', password: 'correct horse battery' }],
  ['newline in username', { username: 'mal\nlory', password: 'correct horse battery' }],
  ['username too short', { username: 'ma', password: 'correct horse battery' }],
  ['username too long', { username: long(65), password: 'correct horse battery' }],
  ['username far too long', { username: long(10_000), password: 'correct horse battery' }],
  ['password too short', { username: 'mallory', password: 'short' }],
  ['password too long', { username: 'mallory', password: long(1025) }],
  ['an array body', ['mallory', 'correct horse battery']],
  ['a string body', 'mallory'],
  ['a number body', 42]
]

forEachStore(t, async (t, kind) => {
  const store = await kind.create(t)
  const app = await buildTestApp(t, {}, { store })

  for (const url of ['/auth/register', '/auth/login']) {
    t.test(`${url}: each bad body is 400 with the contract's shape`, async (t) => {
      for (const [name, payload] of badCredentials) {
        const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
        t.equal(response.statusCode, 400, name)
        const body = response.json()
        t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], name)
        t.match(body.code, /^(FST_ERR_VALIDATION|AUTH_BAD_REQUEST|FST_ERR_CTP_\w+)$/, name)
        t.equal(response.headers['cache-control'], 'no-store', name)
      }
      t.equal(await store.findUserByUsername('mallory'), null, 'nothing was registered')
    })
  }

  t.test('malformed JSON is 400, a wrong content type 415, an empty body 400, over 16 kB 413', async (t) => {
    const post = async (headers: Record<string, string>, payload: string) =>
      await app.inject({ method: 'POST', url: '/auth/register', headers, payload })
    const malformed = await post({ 'content-type': 'application/json' }, '{"username": "mallory",')
    t.equal(malformed.statusCode, 400)
    t.equal(malformed.json().statusCode, 400)
    const form = await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'username=mallory&password=correct+horse')
    t.equal(form.statusCode, 415)
    t.equal(form.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    const empty = await post({ 'content-type': 'application/json' }, '')
    t.equal(empty.statusCode, 400)
    const huge = await post({ 'content-type': 'application/json' }, JSON.stringify({ username: 'mallory', password: long(20_000) }))
    t.equal(huge.statusCode, 413)
    t.equal(huge.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
  })

  t.test('a prototype-poisoning body does not register or pollute', async (t) => {
    const response = await app.inject({
      method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/json' },
      payload: '{"username":"eve1","password":"correct horse battery","__proto__":{"polluted":1}}'
    })
    t.equal(response.statusCode, 400)
    t.equal(({} as Record<string, unknown>).polluted, undefined)
    t.equal(await store.findUserByUsername('eve1'), null)
  })

  t.test('duplicate JSON keys: the last one counts and nothing breaks', async (t) => {
    const response = await app.inject({
      method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/json' },
      payload: '{"username":"dup-key","password":"first password","password":"second password"}'
    })
    t.equal(response.statusCode, 201)
    t.equal((await loginBody(app, 'dup-key', 'second password')).statusCode, 200)
    t.equal((await loginBody(app, 'dup-key', 'first password')).statusCode, 401)
  })

  t.test('a body that fails after a good registration leaves the account as it was', async (t) => {
    t.equal((await register(app, 'stable', 'correct horse battery')).statusCode, 201)
    const before = await store.findUserByUsername('stable')
    await app.inject({ method: 'POST', url: '/auth/register', payload: { username: 'stable', password: 12345678 } })
    t.same(await store.findUserByUsername('stable'), before)
  })
})

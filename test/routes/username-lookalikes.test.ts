// Lookalike usernames (docs/http-api.md, "Usernames and passwords"): with "ada" registered, names
// that display like it ("ada ", " ada", "a\u200bda", "ad\u202ea", "ＡＤＡ", "ADA") never become a
// second account: each is refused with a message naming the rule, or is "ada" itself (409). A body
// that is not valid UTF-8 is refused (400), rather than decoded with U+FFFD in place of the bad
// bytes (which made two different byte strings one password). Accounts registered before the
// profile applied, stored as NFKC then lower case, still log in.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../helpers/app.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { hashPassword } from '../../src/domain/passwords.js'
import { newId } from '../../src/domain/refresh-tokens.js'

const PASSWORD = 'correct horse battery'

async function listening (t: Parameters<typeof buildTestApp>[0]): Promise<{ app: FastifyInstance, base: string, store: ReturnType<typeof createMemoryStore> }> {
  const store = createMemoryStore()
  t.teardown(async () => { await store.close() })
  const app = await buildTestApp(t, {}, { store })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, store, base: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }
}

async function post (base: string, path: string, body: string | Uint8Array): Promise<{ status: number, json: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-token-transport': 'body' }, body })
  return { status: response.status, json: await response.json() as Record<string, unknown> }
}

const credentials = (username: string, password = PASSWORD): string => JSON.stringify({ username, password })

t.test('names that look like a registered one never become a second account', async (t) => {
  const { base } = await listening(t)
  t.equal((await post(base, '/auth/register', credentials('ada'))).status, 201)
  const refused: Record<string, [string, RegExp]> = {
    'a trailing space': ['ada ', /U\+0020, a space/],
    'a leading space': [' ada', /U\+0020, a space/],
    'a zero-width space': ['a\u200bda', /U\+200B, an invisible/],
    'a right-to-left override': ['ad\u202ea', /U\+202E, an invisible/],
    'a zero-width joiner': ['a\u200dda', /U\+200D, a zero-width joiner/],
    'an ideographic space': ['ada\u3000', /U\+0020, a space/],
    'a no-break space': ['ada\u00a0', /U\+00A0/],
    'a soft hyphen': ['a\u00adda', /U\+00AD, an invisible/],
    'a ligature': ['\ufb01da', /U\+FB01, a compatibility character/],
    'Hebrew then Latin, out of order': ['\u05d0\u05d1a', /Bidi Rule/]
  }
  for (const [what, [name, message]] of Object.entries(refused)) {
    const answer = await post(base, '/auth/register', credentials(name))
    t.equal(answer.status, 400, `${what}: 400`)
    t.equal(answer.json.code, 'AUTH_BAD_REQUEST', `${what}: AUTH_BAD_REQUEST`)
    t.match(String(answer.json.message), message, `${what}: the message names the character`)
    t.match(String(answer.json.message), /RFC 8265|RFC 5893/, `${what}: and the rule`)
  }
  for (const [what, name] of Object.entries({ 'upper case': 'ADA', 'fullwidth letters': 'ＡＤＡ', 'halfwidth-free mixed': 'Ada' })) {
    t.equal((await post(base, '/auth/register', credentials(name))).status, 409, `${what}: the same name as "ada" (409)`)
    t.equal((await post(base, '/auth/login', credentials(name))).status, 200, `${what}: logs in to "ada"`)
  }
  t.equal((await post(base, '/auth/register', credentials('Jose\u0301'))).status, 201, 'a decomposed é is allowed')
  t.equal((await post(base, '/auth/register', credentials('JOSÉ'))).status, 409, 'and is the same name as the precomposed one')
})

t.test('a body that is not valid UTF-8 is refused, whatever field holds the bad bytes', async (t) => {
  const { base } = await listening(t)
  const bytes = (text: string, bad: number[]): Uint8Array => {
    const [head, tail] = text.split('@@') as [string, string]
    return new Uint8Array([...Buffer.from(head), ...bad, ...Buffer.from(tail)])
  }
  const bodies: Record<string, Uint8Array> = {
    'a lone continuation byte in the username': bytes('{"username":"ad@@a","password":"correct horse battery"}', [0x80]),
    'an overlong encoding of "/"': bytes('{"username":"ad@@a","password":"correct horse battery"}', [0xc0, 0xaf]),
    'an encoded surrogate': bytes('{"username":"ad@@a","password":"correct horse battery"}', [0xed, 0xa0, 0x80]),
    'a truncated sequence in the password': bytes('{"username":"adele","password":"correct horse @@"}', [0xe2, 0x82]),
    'Latin-1 bytes': bytes('{"username":"ren@@","password":"correct horse battery"}', [0xe9])
  }
  for (const [what, body] of Object.entries(bodies)) {
    for (const path of ['/auth/register', '/auth/login']) {
      const answer = await post(base, path, body)
      t.equal(answer.status, 400, `${path}, ${what}: 400`)
      t.match(String(answer.json.message), /not valid UTF-8/, `${path}, ${what}: the message says so`)
    }
  }
  // Two different invalid passwords would both have decoded to "correct horse \uFFFD".
  t.equal((await post(base, '/auth/register', bytes('{"username":"adele","password":"correct horse @@"}', [0xff]))).status, 400)
  t.equal((await post(base, '/auth/register', credentials('adele'))).status, 201, 'nothing was registered under that name')
})

t.test('accounts stored in the old form (NFKC, lower case) still log in', async (t) => {
  const { base, store, app } = await listening(t)
  const passwordHash = await hashPassword(PASSWORD)
  // Stored as the previous rules stored them: NFKC, then lower case.
  const legacy = {
    'a valid name': 'Ｊｏｓｅ\u0301PH',
    'a valid name whose old form is not NFC': 'H\u0331ANNA',
    'a name the profile now refuses': 'ada\u2606star'
  }
  for (const [what, typed] of Object.entries(legacy)) {
    await store.createUser({ id: newId(), username: typed.normalize('NFKC').toLowerCase(), passwordHash, createdAt: app.now() })
    t.equal((await post(base, '/auth/login', credentials(typed))).status, 200, `${what}: logs in as typed`)
  }
  t.equal((await post(base, '/auth/login', credentials('josÉph'))).status, 200, 'the valid legacy name, typed another way')
  t.equal((await post(base, '/auth/register', credentials('h\u0331anna'))).status, 409, 'the profile form of a legacy name is taken')
  t.equal((await post(base, '/auth/login', credentials('ada\u2606star', 'wrong password!'))).status, 401, 'a wrong password is still wrong')
})

// "Anyone can lock any account": LOGIN_MAX_FAILURES wrong passwords for a name from anywhere used to
// lock its owner out for 15 minutes. Clients that have logged in to the account before hold a signed
// device cookie; their failures are counted per device and the name's lockout of strangers does not
// hold them back. Strangers (no or invalid cookie) stay throttled per username, and a device past
// its own limit is a stranger again.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, fileRedisServer, forEachStore, register } from '../helpers/app.js'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { DEVICE_COOKIE, browserLogin, cookieJarOf, deviceCookieOf, deviceSetCookieOf, newDevice, strangerLogin } from '../helpers/device-logins.js'
import { createRedisStore } from '../../src/store/redis-store.js'

const MAX_FAILURES = 3
const PASSWORD = 'correct horse battery'
const ENV = { LOGIN_MAX_FAILURES: String(MAX_FAILURES), RATE_LIMIT_PER_MINUTE: '100000' }

async function lockOutStrangers (t: Tap, app: FastifyInstance, username: string): Promise<void> {
  for (let i = 0; i < MAX_FAILURES; i++) t.equal((await strangerLogin(app, username, `stranger guess ${i}`, `203.0.113.${i + 1}`)).statusCode, 401)
  t.equal((await strangerLogin(app, username, PASSWORD, '203.0.113.99')).statusCode, 429, 'strangers are locked out, even with the right password')
}

type Tap = Parameters<Parameters<typeof forEachStore>[1]>[0]

forEachStore(t, async (t, kind) => {
  t.test("the attack: a stranger's failures lock strangers out, not the owner's browser", async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    await register(app, 'carol', PASSWORD)
    // Carol's browser keeps whatever cookies her first login set and sends them back.
    const jar = cookieJarOf(await browserLogin(app, 'carol', PASSWORD))
    await lockOutStrangers(t, app, 'carol')
    const owner = await app.inject({ method: 'POST', url: '/auth/login', headers: { cookie: jar }, payload: { username: 'carol', password: PASSWORD } })
    t.equal(owner.statusCode, 200, 'carol logs in from her browser')
    t.equal((await strangerLogin(app, 'carol', PASSWORD, '203.0.113.100')).statusCode, 429, 'while strangers stay locked out')
  })

  t.test('the device cookie: its attributes, renewed on login, bound to its account, tamper-proof', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    await register(app, 'dora', PASSWORD)
    const first = await browserLogin(app, 'dora', PASSWORD)
    t.equal(first.statusCode, 200)
    const line = deviceSetCookieOf(first) ?? ''
    t.match(line, new RegExp(`^${DEVICE_COOKIE}=[A-Za-z0-9_-]{55};`), 'a device cookie of its own')
    for (const attribute of ['Max-Age=15552000', 'Path=/auth', 'HttpOnly', 'Secure', 'SameSite=Strict']) {
      t.match(line, new RegExp(`; ${attribute}(;|$)`), attribute)
    }
    const doraDevice = deviceCookieOf(first) as string
    const otherDevice = await newDeviceOf(app)

    await lockOutStrangers(t, app, 'dora')
    const owner = await browserLogin(app, 'dora', PASSWORD, doraDevice)
    t.equal(owner.statusCode, 200, 'dora logs in from her known device')
    t.ok(deviceCookieOf(owner) !== undefined && deviceCookieOf(owner) !== doraDevice, 'and gets a new device cookie')
    t.equal((await browserLogin(app, 'dora', PASSWORD, deviceCookieOf(owner))).statusCode, 200, 'which works too')

    t.equal((await browserLogin(app, 'dora', PASSWORD, otherDevice)).statusCode, 429, "another account's device cookie is a stranger's")
    const flipped = doraDevice.slice(0, 30) + (doraDevice[30] === 'A' ? 'B' : 'A') + doraDevice.slice(31)
    t.equal((await browserLogin(app, 'dora', PASSWORD, flipped)).statusCode, 429, "a tampered device cookie is a stranger's")
    t.equal((await browserLogin(app, 'dora', PASSWORD, 'not-a-device-cookie')).statusCode, 429, 'so is junk')
    const tossed = await app.inject({
      method: 'POST', url: '/auth/login', headers: { cookie: `${DEVICE_COOKIE}=junk; ${DEVICE_COOKIE}=${doraDevice}` }, payload: { username: 'dora', password: PASSWORD }
    })
    t.equal(tossed.statusCode, 200, 'a junk cookie of the same name tossed in first does not hide the real one')
  })

  t.test("a known device's failures are its own: past its limit it is a stranger again", async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    await register(app, 'erin', PASSWORD)
    const laptop = await newDevice(app, 'erin', PASSWORD)
    const phone = await newDevice(app, 'erin', PASSWORD)
    for (let i = 0; i < MAX_FAILURES; i++) t.equal((await browserLogin(app, 'erin', `laptop typo ${i}`, laptop)).statusCode, 401)
    t.equal((await strangerLogin(app, 'erin', PASSWORD)).statusCode, 200, "the laptop's failures did not lock the name for others")
    t.equal((await browserLogin(app, 'erin', PASSWORD, phone)).statusCode, 200, 'nor the phone')
    await lockOutStrangers(t, app, 'erin')
    t.equal((await browserLogin(app, 'erin', PASSWORD, laptop)).statusCode, 429, 'the laptop, past its own limit, is a stranger: locked out')
    t.equal((await browserLogin(app, 'erin', PASSWORD, phone)).statusCode, 200, 'the phone still logs in')
  })

  t.test('parallel guesses from one device: its own limit, then the name\'s, never more', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    await register(app, 'frank', PASSWORD)
    const stolen = await newDevice(app, 'frank', PASSWORD)
    const guesses = await Promise.all(Array.from({ length: 4 * MAX_FAILURES }, async (_, i) => await browserLogin(app, 'frank', `parallel guess ${i}`, stolen)))
    const statuses = guesses.map((answer) => answer.statusCode)
    t.equal(statuses.filter((status) => status === 401).length, 2 * MAX_FAILURES, `the device's budget and the strangers' (${statuses.join(',')})`)
    t.equal(statuses.filter((status) => status === 429).length, 2 * MAX_FAILURES)
    t.equal((await strangerLogin(app, 'frank', PASSWORD)).statusCode, 429)
    t.equal((await browserLogin(app, 'frank', PASSWORD, await newDeviceOf(app))).statusCode, 429, 'no way round it without a known device')
  })

  t.test('password change from a known device is not held back by the lockout of strangers', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    await register(app, 'grace', PASSWORD)
    const login = await browserLogin(app, 'grace', PASSWORD)
    const device = deviceCookieOf(login) as string
    const authorization = `Bearer ${(login.json() as { accessToken: string }).accessToken}`
    await lockOutStrangers(t, app, 'grace')
    const change = async (cookie?: string) => await app.inject({
      method: 'POST', url: '/auth/password', headers: cookie === undefined ? { authorization } : { authorization, cookie }, payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' }
    })
    t.equal((await change()).statusCode, 429, 'without the device cookie: a stranger')
    t.equal((await change(`${DEVICE_COOKIE}=${device}`)).statusCode, 204, 'with it: changed')
  })

  t.test('body-transport logins set no cookie at all', async (t) => {
    const app = await buildTestApp(t, ENV, { store: await kind.create(t) })
    await register(app, 'heidi', PASSWORD)
    t.equal((await strangerLogin(app, 'heidi', PASSWORD)).headers['set-cookie'], undefined)
  })
})

/** A device cookie that is valid, but for nobody this test logs in as. */
async function newDeviceOf (app: FastifyInstance): Promise<string> {
  const username = `other-${Math.random().toString(36).slice(2, 10)}`
  await register(app, username, PASSWORD)
  return await newDevice(app, username, PASSWORD)
}

t.test('two instances on one Redis with the same keys: each honours and counts the other\'s device cookies', async (t) => {
  const server = await fileRedisServer(t)
  const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
  const prefix = `device-shared-${process.pid}:`
  const stores = [createRedisStore({ url: server.url, prefix }), createRedisStore({ url: server.url, prefix })]
  t.teardown(async () => { await Promise.all(stores.map(async (store) => { await store.close() })) })
  const [a, b] = await Promise.all(stores.map(async (store) => await buildTestApp(t, { ...ENV, JWT_KEYS_DIR: keys.dir }, { store }))) as [FastifyInstance, FastifyInstance]
  await register(a, 'ivan', PASSWORD)
  const device = await newDevice(a, 'ivan', PASSWORD)
  await lockOutStrangers(t, b, 'ivan')
  t.equal((await strangerLogin(a, 'ivan', PASSWORD)).statusCode, 429, 'the lockout is shared')
  t.equal((await browserLogin(b, 'ivan', PASSWORD, device)).statusCode, 200, "b honours a's device cookie")
  for (let i = 0; i < MAX_FAILURES; i++) t.equal((await browserLogin(i % 2 === 0 ? a : b, 'ivan', `device typo ${i}`, device)).statusCode, 401)
  t.equal((await browserLogin(a, 'ivan', PASSWORD, device)).statusCode, 429, "the device's count is shared: past it on both")
  t.equal((await browserLogin(b, 'ivan', PASSWORD, device)).statusCode, 429)
})

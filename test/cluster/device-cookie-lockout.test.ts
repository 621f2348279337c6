// Device cookies on a Redis Cluster, across two instances sharing JWT_KEYS_DIR: the username's and
// the device's failure counters lie in slots of their own (each one key), and every instance
// honours and counts every instance's device cookies.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { createRedisStore } from '../../src/store/redis-store.js'
import { buildTestApp, register } from '../helpers/app.js'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { browserLogin, newDevice, strangerLogin } from '../helpers/device-logins.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'

const MAX_FAILURES = 3
const PASSWORD = 'correct horse battery'

const cluster = await startRedisCluster()
t.teardown(async () => { await cluster.stop() })

t.test('strangers are locked out per username, known devices per device, on every instance', async (t) => {
  const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
  const prefix = `dc${randomBytes(6).toString('base64url')}:`
  const apps: FastifyInstance[] = []
  for (let i = 0; i < 2; i++) {
    const store = createRedisStore({ clusterNodes: cluster.nodes, prefix })
    t.teardown(async () => { await store.close() })
    apps.push(await buildTestApp(t, { LOGIN_MAX_FAILURES: String(MAX_FAILURES), RATE_LIMIT_PER_MINUTE: '100000', JWT_KEYS_DIR: keys.dir }, { store }))
  }
  const [a, b] = apps as [FastifyInstance, FastifyInstance]
  t.equal((await register(a, 'carol', PASSWORD)).statusCode, 201)
  const laptop = await newDevice(a, 'carol', PASSWORD)
  const phone = await newDevice(b, 'carol', PASSWORD)

  for (let i = 0; i < MAX_FAILURES; i++) t.equal((await strangerLogin(i % 2 === 0 ? a : b, 'carol', `stranger guess ${i}`)).statusCode, 401)
  for (const app of apps) t.equal((await strangerLogin(app, 'carol', PASSWORD)).statusCode, 429, 'strangers are locked out on both instances')
  t.equal((await browserLogin(b, 'carol', PASSWORD, laptop)).statusCode, 200, "b honours the laptop's cookie from a")

  for (let i = 0; i < MAX_FAILURES; i++) t.equal((await browserLogin(i % 2 === 0 ? b : a, 'carol', `laptop typo ${i}`, laptop)).statusCode, 401)
  for (const app of apps) t.equal((await browserLogin(app, 'carol', PASSWORD, laptop)).statusCode, 429, 'the laptop is past its own limit on both')
  for (const app of apps) t.equal((await browserLogin(app, 'carol', PASSWORD, phone)).statusCode, 200, 'the phone logs in on both')
})

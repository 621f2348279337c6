// Builds apps for tests: one per test, torn down with it, against each store kind.
import type { FastifyInstance } from 'fastify'
import type { Test as Tap } from 'tap'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createMemoryStore } from '../../src/store/memory-store.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'
import { startRedisServer, type RedisServer } from '../../bench/lib/redis-server.js'

interface Teardown { teardown (fn: () => unknown): void }

export type Env = Record<string, string>

/** Limits high enough that only tests about limits meet them. */
const TEST_DEFAULTS: Env = { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES: '1000000' }

export async function buildTestApp (t: Teardown, env: Env = {}, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig({ ...TEST_DEFAULTS, ...env }), options)
  t.teardown(async () => { await app.close() })
  await app.ready()
  return app
}

export interface StoreKind {
  name: 'memory' | 'redis'
  /** A fresh, empty store (its own key prefix on Redis); closed at teardown. */
  create (t: Teardown): Promise<AuthStore>
}

let sharedRedis: Promise<RedisServer> | undefined

/** One redis-server per test file, started on first use and stopped when the file's tap ends. */
export async function fileRedisServer (t: Teardown): Promise<RedisServer> {
  if (sharedRedis === undefined) {
    sharedRedis = startRedisServer()
    const server = await sharedRedis
    t.teardown(async () => { await server.stop(); sharedRedis = undefined })
  }
  return await sharedRedis
}

let prefixes = 0

export const storeKinds: StoreKind[] = [
  {
    name: 'memory',
    async create (t) {
      const store = createMemoryStore()
      t.teardown(async () => { await store.close() })
      return store
    }
  },
  {
    name: 'redis',
    async create (t) {
      const server = await fileRedisServer(t)
      const store = createRedisStore({ url: server.url, prefix: `test${process.pid}-${++prefixes}:` })
      t.teardown(async () => { await store.close() })
      return store
    }
  }
]

/** Registers `fn` as one subtest per store kind. */
export function forEachStore (t: Tap, fn: (t: Tap, kind: StoreKind) => Promise<void>): void {
  for (const kind of storeKinds) void t.test(kind.name, async (sub) => { await fn(sub, kind) })
}


export async function register (app: FastifyInstance, username: string, password: string) {
  return await app.inject({ method: 'POST', url: '/auth/register', payload: { username, password } })
}

export async function loginBody (app: FastifyInstance, username: string, password: string) {
  return await app.inject({ method: 'POST', url: '/auth/login', headers: { 'x-token-transport': 'body' }, payload: { username, password } })
}

/** Registers and logs in with body transport; returns the parsed token response. */
export async function userWithSession (app: FastifyInstance, username = `user${Math.random().toString(36).slice(2, 10)}`, password = 'correct horse battery') {
  await register(app, username, password)
  const response = await loginBody(app, username, password)
  return { username, password, ...(response.json() as { accessToken: string, refreshToken: string, expiresIn: number }) }
}

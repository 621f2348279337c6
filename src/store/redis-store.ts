// The AuthStore on Redis or Redis Cluster (ioredis). Each operation is one Lua script from ./lua
// (one round trip) except createUser and findUserByUsername, which span two slots on purpose
// (notes/STORE-SPEC.md, "Accounts"). Availability rules (issue 5): every call answers or rejects
// with StoreUnavailableError within commandTimeoutMs, the client reconnects forever, and every
// mutating script carries a deadline so a command that reaches Redis after its caller gave up
// changes nothing.
import { readFileSync } from 'node:fs'
import { Cluster, Redis } from 'ioredis'
import { StoreUnavailableError } from '../errors.js'
import {
  counterKey, sessionEndedChannel, sessionKey, sessionKeyPrefix, userKey, usernameKey
} from './redis-keys.js'
import type { AuthStore, CounterState, SessionEndedEvent, SessionRecord, UserRecord } from './types.js'

/** The slice of a pino logger the store uses. */
export interface RedisStoreLogger {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
}

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL of a standalone Redis; ignored when `clusterNodes` is given. */
  url?: string
  /** Seed nodes of a Redis Cluster. */
  clusterNodes?: Array<{ host: string, port: number }>
  /** Prepended to every key and to the session-ended channel (REDIS_PREFIX). */
  prefix: string
  /** How long any call may wait for Redis before it rejects with StoreUnavailableError (default 1000). */
  commandTimeoutMs?: number
  logger?: RedisStoreLogger
}

// `libs` are files of lua/lib/ put before the script (local functions they share); `keys`
// undefined means the caller passes the number of keys first (rotateRefreshToken: 2 or 3).
interface ScriptSpec { file: string, keys?: number, libs?: string[] }
const SCRIPT_SPECS = {
  createSession: { file: 'create-session', keys: 3, libs: ['session-record'] },
  rotateRefreshToken: { file: 'rotate-refresh-token', libs: ['session-record', 'counter'] },
  endSession: { file: 'end-session', keys: 2, libs: ['session-record'] },
  endAllSessions: { file: 'end-all-sessions', keys: 2, libs: ['session-record'] },
  listSessions: { file: 'list-sessions', keys: 2, libs: ['session-record'] },
  findSession: { file: 'find-session', keys: 1, libs: ['session-record'] },
  changePassword: { file: 'change-password', keys: 2, libs: ['session-record'] },
  confirmUsername: { file: 'confirm-username', keys: 1 },
  incrementCounter: { file: 'increment-counter', keys: 1, libs: ['counter'] },
  releaseCounterHit: { file: 'release-counter-hit', keys: 1 },
  readCounter: { file: 'read-counter', keys: 1 }
} satisfies Record<string, ScriptSpec>
type ScriptName = keyof typeof SCRIPT_SPECS
const SCRIPTS: Record<ScriptName, ScriptSpec> = SCRIPT_SPECS
type ScriptCall = (...keysThenArgs: Array<string | number | Buffer>) => Promise<unknown>

// Next to this module when run from src/; the compiled dist/src/store/ reads them from src/.
const LUA_DIRS = [new URL('./lua/', import.meta.url), new URL('../../../src/store/lua/', import.meta.url)]

function readLua (file: string): string {
  for (const dir of LUA_DIRS) {
    try {
      return readFileSync(new URL(`${file}.lua`, dir), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  throw new Error(`src/store/lua/${file}.lua not found`)
}

// Read once per process; every client defines them with defineCommand.
const LUA = Object.fromEntries(Object.entries(SCRIPTS).map(([name, { file, libs = [] }]) =>
  [name, [...libs.map((lib) => readLua(`lib/${lib}`)), readLua(file)].join('\n')])) as Record<ScriptName, string>

/** The source Redis runs for lua/<file>.lua, its libraries included (for tests that EVAL it by hand). */
export function scriptSource (file: string): string {
  const name = (Object.keys(SCRIPTS) as ScriptName[]).find((script) => SCRIPTS[script].file === file)
  if (name === undefined) throw new Error(`no script ${file}`)
  return LUA[name]
}

/** How long a username claim lives before createUser confirms it (a crash leaves it reclaimable). */
const CLAIM_TTL_MS = 30_000

// Replies that mean "Redis cannot serve this now" rather than "this call is wrong".
const UNAVAILABLE_REPLY = /^(ROTOR_STALE|LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|OOM|NOREPLICAS)\b/

function toStoreError (error: unknown): Error {
  if (error instanceof StoreUnavailableError) return error
  // A reply error not in the list is a bug in a script or a key clash: let it surface as a 500.
  if (error instanceof Error && error.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(error.message)) return error
  return new StoreUnavailableError({ cause: error })
}

/** Session records keep hashes and boxes as raw bytes (lua/lib/session-record.lua). */
const rawBytes = (base64url: string): Buffer => Buffer.from(base64url, 'base64url')

function sessionFrom (id: string, userId: string, fields: unknown[], at = 0): SessionRecord {
  return {
    id,
    userId,
    createdAt: Number(fields[at]),
    lastUsedAt: Number(fields[at + 1]),
    expiresAt: Number(fields[at + 2]),
    ip: String(fields[at + 3]),
    userAgent: String(fields[at + 4])
  }
}

export function createRedisStore (options: RedisStoreOptions): AuthStore {
  const { prefix, logger } = options
  const timeoutMs = options.commandTimeoutMs ?? 1000
  // The script deadline falls inside the client's timeout, leaving time for the reply to come
  // back: a script that starts after it answers ROTOR_STALE instead of spending a token whose
  // caller already got a 503 (notes/STORE-SPEC.md, "Redis availability").
  const deadlineBudgetMs = Math.round(timeoutMs * 0.75)
  const channel = sessionEndedChannel(prefix)
  const retryStrategy = (times: number): number => Math.min(times * 100, 1000)
  const connectionOptions = {
    // A command never outlives its connection, and none is re-sent after a reconnect: its
    // caller has had its answer (an error) by then.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A frozen Redis or a black-holed link sends nothing: drop the socket and reconnect.
    socketTimeout: Math.max(2 * timeoutMs, 2000)
  }
  const isCluster = options.clusterNodes !== undefined
  const client: Redis | Cluster = options.clusterNodes !== undefined
    ? new Cluster(options.clusterNodes, { clusterRetryStrategy: retryStrategy, redisOptions: connectionOptions })
    // Commands of one event-loop turn in one write: each command stays its own (a refresh is one
    // EVALSHA), but a busy server makes one system call for many (issue 6). Not on Cluster: there
    // ioredis picks an auto-pipeline's node by the first argument, which for rotateRefreshToken
    // (key count passed first) is a number, not a key.
    : new Redis(options.url ?? 'redis://127.0.0.1:6379', { ...connectionOptions, retryStrategy, enableAutoPipelining: true })

  let healthy = true
  client.on('error', (error: Error) => {
    if (healthy) logger?.warn({ err: error }, 'redis store: connection lost, reconnecting')
    healthy = false
  })
  client.on('ready', () => {
    if (!healthy) logger?.info({}, 'redis store: connection restored')
    healthy = true
    // Queue commands only until the first connection: afterwards a call made while Redis is
    // away fails at once instead of waiting for a connection that may take long to come.
    if (client instanceof Redis) client.options.enableOfflineQueue = false
  })

  const scripts = {} as Record<ScriptName, ScriptCall>
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    // ioredis sends EVAL with the body the first time a script runs on a connection and EVALSHA
    // after that, and retries as EVAL on NOSCRIPT: one round trip either way, even right after
    // a Redis restart emptied the script cache.
    const command = `rotor_${name}`
    client.defineCommand(command, { numberOfKeys: SCRIPTS[name].keys, lua: LUA[name] })
    const method = (client as unknown as Record<string, ScriptCall>)[command]
    if (method === undefined) throw new Error(`defineCommand did not add ${command}`)
    scripts[name] = method.bind(client)
  }

  let subscriber: Redis | Cluster | undefined
  let subscribing: Promise<void> | undefined
  const listeners = new Set<(event: SessionEndedEvent) => void>()

  // Every call goes through here: one timer bounds it whatever state ioredis is in (the Cluster
  // client's offline queue has no timeout of its own).
  async function call<T> (operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no answer from Redis within ${timeoutMs} ms`)) }, timeoutMs)
    })
    try {
      // A listener added just before this call must not miss the events it publishes.
      if (subscribing !== undefined) await Promise.race([subscribing, timeout])
      return await Promise.race([operation(), timeout])
    } catch (error) {
      throw toStoreError(error)
    } finally {
      clearTimeout(timer)
    }
  }

  const deadline = (): number => Date.now() + deadlineBudgetMs

  function subscribe (): void {
    const connection = client instanceof Redis
      ? client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, autoResendUnfulfilledCommands: true })
      : client.duplicate()
    connection.on('error', () => { /* the main connection reports outages */ })
    connection.on('message', (from: string, message: string) => {
      if (from !== channel) return
      let event: SessionEndedEvent
      try {
        event = JSON.parse(message) as SessionEndedEvent
      } catch (error) {
        logger?.warn({ err: error }, 'redis store: malformed session-ended event')
        return
      }
      for (const listener of listeners) {
        // A throw would unwind into ioredis's reply parser and break the subscription.
        try {
          listener(event)
        } catch (error) {
          if (logger === undefined) process.emitWarning(`session-ended listener threw: ${String(error)}`)
          else logger.warn({ err: error }, 'redis store: a session-ended listener threw')
        }
      }
    })
    subscribing = connection.subscribe(channel).then(
      () => { subscribing = undefined },
      (error: unknown) => { subscribing = undefined; logger?.warn({ err: error }, 'redis store: could not subscribe to session-ended events') }
    )
    subscriber = connection
  }

  async function quit (connection: Redis | Cluster): Promise<void> {
    try {
      await call(() => connection.quit())
    } catch {
      // Redis is away: nothing to say goodbye to.
    } finally {
      connection.disconnect()
    }
  }

  async function incrementCounter (key: string, windowMs: number, now: number): Promise<CounterState> {
    const [count, resetAt] = await call(() => scripts.incrementCounter(counterKey(prefix, key), windowMs, now, deadline())) as number[]
    return { count: Number(count), resetAt: Number(resetAt) }
  }

  async function findUserById (userId: string): Promise<UserRecord | null> {
    // Named fields only: the same hash holds one index field per session (lua/lib/session-record.lua).
    const [username, passwordHash, createdAt] = await call(() => client.hmget(userKey(prefix, userId), 'username', 'passwordHash', 'createdAt'))
    if (username === null || username === undefined || passwordHash === null || passwordHash === undefined) return null
    return { id: userId, username, passwordHash, createdAt: Number(createdAt) }
  }

  return {
    async createUser (user) {
      const nameKey = usernameKey(prefix, user.username)
      const claimed = await call(() => client.set(nameKey, user.id, 'PX', CLAIM_TTL_MS, 'NX'))
      if (claimed === null) return 'taken'
      const accountKey = userKey(prefix, user.id)
      await call(() => client.hset(accountKey, 'username', user.username, 'passwordHash', user.passwordHash, 'createdAt', user.createdAt))
      const confirmed = await call(() => scripts.confirmUsername(nameKey, user.id, deadline()))
      if (confirmed === 1) return 'created'
      // The claim expired before the confirmation and someone else holds the name now.
      await call(() => client.del(accountKey))
      return 'taken'
    },

    async findUserByUsername (username) {
      const userId = await call(() => client.get(usernameKey(prefix, username)))
      return userId === null ? null : await findUserById(userId)
    },

    findUserById,

    async changePassword ({ userId, previousPasswordHash, passwordHash, keepSessionId, now }) {
      const ended = await call(() => scripts.changePassword(
        userKey(prefix, userId), sessionKeyPrefix(prefix, userId),
        userId, previousPasswordHash, passwordHash, keepSessionId ?? '', now, channel, deadline()))
      return Number(ended)
    },

    async createSession (input) {
      const { userId, sessionId, now } = input
      const expiresAt = await call(() => scripts.createSession(
        sessionKey(prefix, userId, sessionId), userKey(prefix, userId), sessionKeyPrefix(prefix, userId),
        sessionId, rawBytes(input.tokenHash), now, input.idleTtlMs, input.maxTtlMs, input.ip, input.userAgent, deadline()))
      return { id: sessionId, userId, createdAt: now, lastUsedAt: now, expiresAt: Number(expiresAt), ip: input.ip, userAgent: input.userAgent }
    },

    async rotateRefreshToken (input) {
      const { userId, sessionId, counter } = input
      let counted: CounterState | undefined
      // On Cluster the counter lies in another slot than the session: count it first, on its own.
      if (counter !== undefined && isCluster) {
        counted = await incrementCounter(counter.key, counter.windowMs, input.now)
        if (counted.count > counter.max) return { outcome: 'limited', counted }
      }
      const keys = [sessionKey(prefix, userId, sessionId), userKey(prefix, userId)]
      const limit: Array<string | number> = []
      if (counter !== undefined && !isCluster) {
        keys.push(counterKey(prefix, counter.key))
        limit.push(counter.windowMs, counter.max)
      }
      const reply = await call(() => scripts.rotateRefreshToken(keys.length, ...keys,
        userId, sessionId, input.generation, rawBytes(input.presentedHash), rawBytes(input.successorHash), rawBytes(input.successorBox),
        input.now, input.idleTtlMs, input.graceMs, channel, deadline(), ...limit)) as unknown[]
      if (limit.length > 0) counted = { count: Number(reply[1]), resetAt: Number(reply[2]) }
      switch (reply[0]) {
        case 'rotated':
          return { outcome: 'rotated', generation: Number(reply[3]), session: sessionFrom(sessionId, userId, reply, 4), counted }
        case 'grace':
          return {
            outcome: 'grace',
            generation: Number(reply[3]),
            successorBox: Buffer.from(String(reply[9]), 'hex').toString('base64url'),
            session: sessionFrom(sessionId, userId, reply, 4),
            counted
          }
        case 'reused':
          return { outcome: 'reused', counted }
        case 'limited':
          return { outcome: 'limited', counted: counted as CounterState }
        default:
          return { outcome: 'invalid', counted }
      }
    },

    async endSession (userId, sessionId, reason, now) {
      const ended = await call(() => scripts.endSession(
        sessionKey(prefix, userId, sessionId), userKey(prefix, userId), userId, sessionId, reason, now, channel, deadline()))
      return ended === 1
    },

    async endAllSessions (userId, now) {
      const ended = await call(() => scripts.endAllSessions(
        userKey(prefix, userId), sessionKeyPrefix(prefix, userId), userId, now, channel, deadline()))
      return Number(ended)
    },

    async listSessions (userId, now) {
      const flat = await call(() => scripts.listSessions(userKey(prefix, userId), sessionKeyPrefix(prefix, userId), now)) as unknown[]
      const sessions: SessionRecord[] = []
      for (let at = 0; at < flat.length; at += 6) sessions.push(sessionFrom(String(flat[at]), userId, flat, at + 1))
      return sessions.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    },

    async findSession (userId, sessionId, now) {
      const fields = await call(() => scripts.findSession(sessionKey(prefix, userId, sessionId), now)) as unknown[]
      return fields.length === 0 ? null : sessionFrom(sessionId, userId, fields)
    },

    incrementCounter,

    async readCounter (key, now): Promise<CounterState> {
      const [count, resetAt] = await call(() => scripts.readCounter(counterKey(prefix, key))) as number[]
      // An absent counter (0) resets now; so would one that somehow lost its expiry (-1).
      return { count: Number(count), resetAt: Number(resetAt) > 0 ? Number(resetAt) : now }
    },

    async releaseCounterHit (key) {
      await call(() => scripts.releaseCounterHit(counterKey(prefix, key), deadline()))
    },

    async deleteCounter (key) {
      await call(() => client.del(counterKey(prefix, key)))
    },

    onSessionEnded (listener) {
      listeners.add(listener)
      if (subscriber === undefined) subscribe()
      return () => { listeners.delete(listener) }
    },

    async ping () {
      await call(() => client.ping())
    },

    async close () {
      await Promise.all([quit(client), subscriber === undefined ? undefined : quit(subscriber)])
    }
  }
}

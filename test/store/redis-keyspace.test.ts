// After a realistic run every key but the account records has a TTL, and nothing in the
// keyspace (key names, values, hash fields, zset members) holds a refresh token, a token's secret
// or a password. Also measures what one session costs in Redis (MEMORY USAGE).
import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { hashPassword } from '../../src/domain/passwords.js'
import { newId } from '../../src/domain/refresh-tokens.js'
import { endSessionByRefreshToken, rotateSession, startSession, USER_AGENT_MAX_LENGTH, type SessionDeps } from '../../src/domain/sessions.js'
import { RefreshReusedError } from '../../src/errors.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'

const server = await startRedisServer()
t.teardown(async () => { await server.stop() })
const inspector = new Redis(server.url)
t.teardown(() => { inspector.disconnect() })

const prefix = `ks${newId()}:`
const store = createRedisStore({ url: server.url, prefix })
t.teardown(async () => { await store.close() })

const macTag = randomBytes(4)
const macKey = randomBytes(32)
const deps: SessionDeps = {
  store,
  keys: {
    refreshMacKey: (tag) => (tag.equals(macTag) ? macKey : undefined),
    currentRefreshMac: () => ({ tag: macTag, key: macKey })
  },
  config: { refreshIdleTtl: 600, sessionMaxTtl: 3600, refreshReuseGrace: 10, sessionsPerUserMax: 100 },
  now: () => Date.now(),
  // This test reads Redis, not the process's revocations.
  revocations: { noteEnded: () => {}, catchUp: async () => {} }
}
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** Every secret the run handled, in each form it could have been stored in. */
const secrets: Array<{ label: string, bytes: Buffer }> = []
function rememberToken (token: string): void {
  const raw = Buffer.from(token.slice('rt_'.length), 'base64url')
  const secret = raw.subarray(41, 73)
  secrets.push(
    { label: `token ${token.slice(0, 12)}…`, bytes: Buffer.from(token) },
    { label: 'token body', bytes: Buffer.from(token.slice('rt_'.length)) },
    { label: 'token bytes', bytes: raw },
    { label: 'token secret', bytes: secret },
    { label: 'token secret (base64url)', bytes: Buffer.from(secret.toString('base64url')) },
    { label: 'token secret (hex)', bytes: Buffer.from(secret.toString('hex')) }
  )
}
function rememberPassword (password: string): void {
  secrets.push({ label: 'password', bytes: Buffer.from(password) })
}

async function realisticRun (t: Test): Promise<string[]> {
  const userIds: string[] = []
  for (let u = 0; u < 3; u++) {
    const password = `correct horse battery staple ${u} ${newId()}`
    rememberPassword(password)
    const user = { id: newId(), username: `keyspace-user-${u}`, passwordHash: await hashPassword(password), createdAt: Date.now() }
    t.equal(await store.createUser(user), 'created')
    userIds.push(user.id)

    const tokens: string[] = []
    for (let s = 0; s < 3; s++) {
      const issued = await startSession(deps, { userId: user.id, ip: `198.51.100.${s}`, userAgent: CHROME })
      tokens.push(issued.refreshToken)
      rememberToken(issued.refreshToken)
    }
    // Session 0: rotated four times, with a grace replay of the last spent token.
    const client = { ip: '198.51.100.0', userAgent: CHROME }
    let current = tokens[0] as string
    const spent: string[] = []
    for (let r = 0; r < 4; r++) {
      const next = await rotateSession(deps, current, client)
      rememberToken(next.refreshToken)
      spent.push(current)
      current = next.refreshToken
    }
    const replay = await rotateSession(deps, spent[3] as string, client)
    t.equal(replay.refreshToken, current, 'grace replay gives the same successor')
    // Session 1: a token four rotations old comes back: reuse ends the session.
    await t.rejects(rotateSession(deps, spent[0] as string, client), RefreshReusedError)
    // Session 2: rotated once, then logged out.
    const rotated = await rotateSession(deps, tokens[2] as string, { ip: '198.51.100.2', userAgent: CHROME })
    rememberToken(rotated.refreshToken)
    t.ok(await endSessionByRefreshToken(deps, rotated.refreshToken))
    await store.incrementCounter(`login-failures:${newId()}`, 900_000, Date.now())
    await store.incrementCounter(`ip:198.51.100.${u}`, 60_000, Date.now())
  }
  // One password change, keeping no session.
  const password = `a brand new password ${newId()}`
  rememberPassword(password)
  const user = await store.findUserById(userIds[0] as string)
  t.ok(user)
  const ended = await store.changePassword({ userId: userIds[0] as string, previousPasswordHash: user?.passwordHash ?? '', passwordHash: await hashPassword(password), keepSessionId: null, now: Date.now() })
  t.ok(ended >= 1, 'the password change ended the live sessions')
  return userIds
}

function flatten (reply: unknown): Buffer[] {
  if (Buffer.isBuffer(reply)) return [reply]
  if (Array.isArray(reply)) return reply.flatMap(flatten)
  return reply === null || reply === undefined ? [] : [Buffer.from(String(reply))]
}

async function contentsOf (key: Buffer): Promise<Buffer[]> {
  const type = await inspector.type(key)
  switch (type) {
    case 'string': return flatten(await inspector.getBuffer(key))
    case 'hash': return flatten(await inspector.callBuffer('HGETALL', key))
    case 'zset': return flatten(await inspector.callBuffer('ZRANGE', key, 0, -1, 'WITHSCORES'))
    case 'stream': return flatten(await inspector.callBuffer('XRANGE', key, '-', '+'))
    default: throw new Error(`unexpected ${type} at ${key.toString()}`)
  }
}

t.test('after a realistic run: TTLs everywhere but accounts, no secret anywhere', async (t) => {
  const userIds = await realisticRun(t)
  const keys = flatten(await inspector.callBuffer('KEYS', `${prefix}*`))
  t.ok(keys.length > 10, `the run wrote ${keys.length} keys`)

  const permanent: string[] = []
  for (const key of keys) {
    const ttl = await inspector.pttl(key)
    if (ttl > 0) continue
    permanent.push(key.toString())
  }
  const accounts = userIds.map((userId) => `${prefix}{${userId}}:user`)
  t.same(permanent.filter((key) => !key.startsWith(`${prefix}name:`)).sort(), accounts.sort(), 'the only permanent keys besides name claims are account hashes')
  t.equal(permanent.filter((key) => key.startsWith(`${prefix}name:`)).length, userIds.length, 'one confirmed name claim per account')

  t.ok(secrets.length > 50, `checking ${secrets.length} secret forms`)
  let found = 0
  for (const key of keys) {
    for (const blob of [key, ...await contentsOf(key)]) {
      for (const secret of secrets) {
        if (blob.includes(secret.bytes)) {
          found++
          t.fail(`${secret.label} found in ${key.toString()}`)
        }
      }
    }
  }
  t.equal(found, 0, 'no token, token secret or password in any key, value, field or member')
})

t.test('one session costs at most 512 bytes of Redis memory, index entry included', async (t) => {
  // A server of its own would do too: this store uses the default prefix so key lengths are real.
  const defaultStore = createRedisStore({ url: server.url, prefix: 'auth:' })
  t.teardown(async () => { await defaultStore.close() })
  const measured = { ...deps, store: defaultStore }
  const memoryOf = async (key: string): Promise<number> => Number(await inspector.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))
  const passwordHash = await hashPassword('correct horse battery staple')

  async function costOf (ip: string, userAgent: string): Promise<{ session: number, indexEntry: number, type: unknown }> {
    const userId = newId()
    // Sessions belong to accounts: the index entry's cost is what the session adds to its account.
    await defaultStore.createUser({ id: userId, username: `memory-${userId.toLowerCase()}`, passwordHash, createdAt: Date.now() })
    const accountAlone = await memoryOf(`auth:{${userId}}:user`)
    const first = await startSession(measured, { userId, ip, userAgent })
    let token = first.refreshToken
    // Rotated, a session holds its most bytes (previous hash, successor box).
    for (let r = 0; r < 3; r++) token = (await rotateSession(measured, token, { ip, userAgent })).refreshToken
    const session = await memoryOf(`auth:{${userId}}:s:${first.sessionId}`)
    const indexEntry = await memoryOf(`auth:{${userId}}:user`) - accountAlone
    return { session, indexEntry, type: await inspector.type(`auth:{${userId}}:s:${first.sessionId}`) }
  }

  const typical = await costOf('203.0.113.195', CHROME)
  // The longest user agent the domain keeps (USER_AGENT_MAX_LENGTH) and a long IPv6 address.
  const longest = await costOf('2001:db8:85a3:1234:5678:8a2e:370:7334', `${CHROME} Edg/131.0.0.0 ${'x'.repeat(200)}`.slice(0, USER_AGENT_MAX_LENGTH))
  for (const [label, cost] of [[`Chrome user agent (${CHROME.length} chars), IPv4`, typical], [`${USER_AGENT_MAX_LENGTH}-char user agent, IPv6`, longest]] as const) {
    t.comment(`MEMORY USAGE (SAMPLES 0), prefix auth:, after 3 rotations, ${label}: session record ${cost.session} B + ` +
      `index entry in the account hash ${cost.indexEntry} B = ${cost.session + cost.indexEntry} B per session`)
    t.equal(cost.type, 'string', `${label}: the session is one packed string`)
  }
  t.ok(typical.session + typical.indexEntry <= 512, `typical session: ${typical.session + typical.indexEntry} B <= 512 B`)
})

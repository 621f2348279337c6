// A server killed mid-flood: SIGKILL the real server process in the middle of a refresh flood
// (every client chaining each successor into its next refresh), start a new process on the same
// Redis and keys, and check every session. None may be half-written: each session hash has all its
// fields, its expiry equals its index score. Each must be intact (the token its client last held
// refreshes, directly or, when the interrupted rotation had committed, through the grace replay)
// or cleanly ended (401 and no key left). Nothing in this scenario should end one: lost must be 0.
import t from 'tap'
import { Agent } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { generateKeyFile, loadKeyRing } from '../../src/domain/keys.js'
import { readRefreshToken } from '../../src/domain/refresh-tokens.js'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import { httpRequest, listeningUrl, spawnServer } from '../helpers/server-process.js'
import { decodeSessionRecord, type DecodedSessionRecord } from '../helpers/session-record.js'

const USERS = 5
const SESSIONS_PER_USER = 10
const KILL_AFTER_ROTATIONS = 400
const PREFIX = 'flood:'
const PASSWORD = 'correct horse battery'
/** REFRESH_IDLE_TTL's default, which ENV keeps: a session expires at min(lastUsed + this, its max). */
const IDLE_TTL_MS = 1_209_600_000

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })
const inspector = new Redis(redis.url)
t.teardown(() => { inspector.disconnect() })
const keysDir = await mkdtemp(join(tmpdir(), 'rotor-flood-keys-'))
t.teardown(async () => { await rm(keysDir, { recursive: true, force: true }) })
await generateKeyFile('EdDSA', keysDir, '20260101')
const keyRing = await loadKeyRing({ jwtAlg: 'EdDSA', jwtKeysDir: keysDir })

const ENV = {
  PORT: '0',
  REDIS_URL: redis.url,
  REDIS_PREFIX: PREFIX,
  JWT_KEYS_DIR: keysDir,
  RATE_LIMIT_PER_MINUTE: '10000000',
  // Room for the restart on a busy machine: this test is about atomicity, not the window's length.
  REFRESH_REUSE_GRACE: '120',
  COOKIE_SECURE: 'false',
  LOG_LEVEL: 'info'
}

interface FloodClient {
  userId: string
  sessionId: string
  /** The refresh token this client holds: the last successor it received. */
  token: string
  interrupted: boolean
  unexpected: number[]
}


t.test('a SIGKILL mid-flood leaves every session intact or cleanly ended, never half-written', async (t) => {
  const first = await spawnServer(t, ENV)
  const url = await listeningUrl(first)
  const clients: FloodClient[] = []
  for (let u = 0; u < USERS; u++) {
    const username = `flood-${u}`
    t.equal((await httpRequest(`${url}/auth/register`, { method: 'POST', body: { username, password: PASSWORD } })).status, 201)
    const logins = await Promise.all(Array.from({ length: SESSIONS_PER_USER }, async () => await httpRequest(`${url}/auth/login`, {
      method: 'POST', body: { username, password: PASSWORD }, headers: { 'x-token-transport': 'body' }
    })))
    for (const login of logins) {
      const token = login.json<{ refreshToken: string }>().refreshToken
      const presented = readRefreshToken(keyRing, token)
      if (presented === null) throw new Error('the server issued a refresh token this key ring cannot read')
      clients.push({ userId: presented.userId, sessionId: presented.sessionId, token, interrupted: false, unexpected: [] })
    }
  }

  const agent = new Agent({ keepAlive: true, maxSockets: clients.length })
  let sent = 0
  let rotations = 0
  let killed = false
  await Promise.all(clients.map(async (client) => {
    while (!killed) {
      sent++
      let answer
      try {
        answer = await httpRequest(`${url}/auth/refresh`, { method: 'POST', body: { refreshToken: client.token }, agent })
      } catch {
        client.interrupted = true
        return
      }
      if (answer.status !== 200) { client.unexpected.push(answer.status); return }
      client.token = answer.json<{ refreshToken: string }>().refreshToken
      if (++rotations >= KILL_AFTER_ROTATIONS && !killed) {
        killed = true
        first.child.kill('SIGKILL')
      }
    }
  }))
  agent.destroy()
  t.equal(await first.exited, 'SIGKILL')
  t.same(clients.flatMap((client) => client.unexpected), [], 'every refresh before the kill succeeded')

  // Redis as the killed process left it, before anything else touches it.
  const now = Date.now()
  const sessionKeys = await inspector.keys(`${PREFIX}{*}:s:*`)
  t.equal(sessionKeys.length, clients.length, 'one session record per session')
  let halfWritten = 0
  const recordOf = async (key: string): Promise<DecodedSessionRecord | string> => {
    try {
      return decodeSessionRecord(await inspector.getBuffer(key) ?? Buffer.alloc(0))
    } catch (error) {
      return (error as Error).message
    }
  }
  for (const key of sessionKeys) {
    const record = await recordOf(key)
    const [, userId, sessionId] = /\{([^}]+)\}:s:(.+)$/.exec(key) ?? []
    const indexed = await inspector.hexists(`${PREFIX}{${userId}}:user`, `s:${sessionId as string}`)
    const expiresAt = await inspector.pexpiretime(key)
    const consistent = typeof record !== 'string' && indexed === 1 && expiresAt > now &&
      expiresAt === Math.min(record.lastUsedAt + IDLE_TTL_MS, record.maxExpiresAt) &&
      (record.generation === 1 || (record.previousHash !== null && record.box !== null))
    if (!consistent) {
      halfWritten++
      t.fail(`half-written session ${key}: record ${typeof record === 'string' ? record : 'read'}, indexed ${indexed}, expiry ${expiresAt}`)
    }
  }
  t.equal(halfWritten, 0, 'no session is half-written')

  const second = await spawnServer(t, ENV)
  const url2 = await listeningUrl(second)
  let current = 0
  let viaGrace = 0
  let lost = 0
  for (const client of clients) {
    const held = readRefreshToken(keyRing, client.token)
    const record = await recordOf(`${PREFIX}{${client.userId}}:s:${client.sessionId}`)
    const stored = typeof record === 'string' ? [] : [record.hash, record.previousHash]
    const answer = await httpRequest(`${url2}/auth/refresh`, { method: 'POST', body: { refreshToken: client.token } })
    if (answer.status === 200) {
      if (stored[0] === held?.hash) current++
      else if (stored[1] === held?.hash) viaGrace++
      // The successor must itself be current: the chain goes on.
      const next = await httpRequest(`${url2}/auth/refresh`, { method: 'POST', body: { refreshToken: answer.json<{ refreshToken: string }>().refreshToken } })
      t.equal(next.status, 200, `${client.sessionId}: the chain continues after the restart`)
      continue
    }
    lost++
    t.equal(answer.status, 401, `${client.sessionId}: a session that is not intact answers 401 (${answer.body})`)
    t.equal(await inspector.exists(`${PREFIX}{${client.userId}}:s:${client.sessionId}`), 0, `${client.sessionId}: its hash is gone`)
    t.equal(await inspector.hexists(`${PREFIX}{${client.userId}}:user`, `s:${client.sessionId}`), 0, `${client.sessionId}: its index entry is gone`)
  }
  t.equal(current + viaGrace + lost, clients.length, 'every session was checked')
  t.equal(lost, 0, 'no session was lost')
  const interrupted = clients.filter((client) => client.interrupted).length
  t.comment(`flood: ${sent} refreshes sent, ${rotations} answered before the SIGKILL, ${interrupted} in flight when it landed`)
  t.comment(`after the restart: ${clients.length} sessions checked, ${current} held the current token, ${viaGrace} recovered the committed-but-unanswered rotation through the grace replay, ${lost} lost, ${halfWritten} half-written`)
  second.child.kill('SIGTERM')
  t.equal(await second.exited, 0)
})

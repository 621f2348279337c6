// memory (Redis bytes per session over 100,000 sessions) and scale (refresh rate with 1,000 and with
// 1,000,000 live sessions in Redis). Bulk sessions are written through the store API
// (createRedisStore, the server's own scripts) rather than by logging in, which would cost an argon2
// verification each; their accounts, and past the memory scenario's sessions the large side's
// copies of them, are written by the store's seeding entry point (src/store/redis-seeding.ts).
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { createRedisSeeder, type RedisSeeder, type SeededSession } from '../../src/store/redis-seeding.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'
import { startRedis, type NodeChild } from '../lib/children.js'
import { openSessionsOfOneUser, type HeldSession } from '../lib/client.js'
import type { Algorithm, BenchKeys } from '../lib/keys.js'
import type { Options } from '../lib/options.js'
import { REDIS_PREFIX, startServer } from '../lib/processes.js'
import { detail, step } from '../lib/progress.js'
import { keyCount, usedMemory } from '../lib/redis-stats.js'
import { addRow } from '../lib/report.js'
import type { LoadResult } from '../lib/load.js'
import { interleave, summarise, type Plan, type Summary } from '../lib/rounds.js'
import { refreshChains } from '../lib/targets.js'

const IDLE_TTL_MS = 1_209_600_000
const MAX_TTL_MS = 2_592_000_000
const GRACE_MS = 10_000
/** A current desktop Chrome user agent: what most sessions carry. */
const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const BATCH = 1_000
/** How many store-written sessions the copies are made from. */
const TEMPLATES = 1_000

function id (): string { return randomBytes(16).toString('base64url') }

/** An argon2id PHC string of the server's parameters, the size every account's hash has. */
const PASSWORD_HASH = `$argon2id$v=19$m=19456,t=2,p=1$${randomBytes(16).toString('base64').replace(/=+$/, '')}$${randomBytes(32).toString('base64').replace(/=+$/, '')}`

/**
 * Writes the accounts of `userIds` (not the username claims, which no session touches), so sessions
 * are measured on top of the accounts they belong to.
 */
async function createAccounts (seeder: RedisSeeder, userIds: string[]): Promise<void> {
  await seeder.writeAccounts(userIds.map((userId) => ({ id: userId, username: `bench-${userId.toLowerCase()}`, passwordHash: PASSWORD_HASH, createdAt: Date.now() })))
}

/**
 * Creates one session through the store for each of `userIds` (one session per user: each pays for
 * a whole index entry, the costliest layout per session), and spends each one's first token once, so
 * it holds what a session in use holds (previous hash, grace successor box). Returns the first
 * sessions' ids.
 */
async function createSessions (store: AuthStore, userIds: string[], label: string): Promise<SeededSession[]> {
  const kept: SeededSession[] = []
  const count = userIds.length
  for (let done = 0; done < count; done += BATCH) {
    const size = Math.min(BATCH, count - done)
    await Promise.all(Array.from({ length: size }, async (_, offset) => {
      const userId = userIds[done + offset] as string
      const sessionId = id()
      if (kept.length < TEMPLATES) kept.push({ userId, sessionId })
      const tokenHash = randomBytes(16).toString('base64url')
      const now = Date.now()
      const ip = `203.0.${(done + offset) % 256}.${offset % 256}`
      await store.createSession({ userId, sessionId, tokenHash, now, idleTtlMs: IDLE_TTL_MS, maxTtlMs: MAX_TTL_MS, ip, userAgent: USER_AGENT })
      const result = await store.rotateRefreshToken({
        userId,
        sessionId,
        generation: 1,
        presentedHash: tokenHash,
        successorHash: randomBytes(16).toString('base64url'),
        successorBox: randomBytes(32).toString('base64url'),
        now: now + 1,
        idleTtlMs: IDLE_TTL_MS,
        graceMs: GRACE_MS,
        ip,
        userAgent: USER_AGENT
      })
      if (result.outcome !== 'rotated') throw new Error(`bulk rotation: ${result.outcome}`)
    }))
    if ((done / BATCH) % 10 === 0) detail(`${label}: ${(done + size).toLocaleString('en-US')} sessions`)
  }
  return kept
}

interface Side {
  server: NodeChild
  redisUrl: string
  sessions: HeldSession[]
}

async function side (name: string, keys: BenchKeys, options: Options): Promise<Side> {
  const redis = await startRedis()
  const server = await startServer(name, keys, redis.url)
  const sessions = await openSessionsOfOneUser(server.url, 'bench-scale', options.refreshSessions)
  return { server, redisUrl: redis.url, sessions }
}

/**
 * The scale rounds, by default half of them on a second start of both servers (same redis-servers,
 * same keys: the held sessions go on). A server process settles in one of two steady states at start
 * (bench/README.md), so with one start per side the ratio was that draw's as much as the keyspace's;
 * two starts each halve its weight. --quick, a smoke test, makes one.
 */
async function measureOnStarts (alg: Algorithm, keys: BenchKeys, large: Side, small: Side, plan: Plan, starts: number): Promise<{ subject: Summary, baseline: Summary }> {
  const halves = plan.rounds >= 2 && starts >= 2 ? [Math.ceil(plan.rounds / 2), Math.floor(plan.rounds / 2)] : [plan.rounds]
  const subject: LoadResult[] = []
  const baseline: LoadResult[] = []
  for (const [index, rounds] of halves.entries()) {
    if (index > 0) {
      step(`scale: starting both servers again on their redis-servers`)
      await Promise.all([large, small].map(async (side) => {
        await side.server.stop()
        side.server = await startServer(side.server.name, keys, side.redisUrl)
      }))
    }
    const half = await interleave(
      `scale ${alg}${halves.length > 1 ? ` (start ${index + 1}/2)` : ''}`,
      refreshChains(large.server.name, large.server.url, large.sessions),
      refreshChains(small.server.name, small.server.url, small.sessions),
      { ...plan, rounds }
    )
    subject.push(...half.subject.rounds)
    baseline.push(...half.baseline.rounds)
  }
  return { subject: summarise(subject), baseline: summarise(baseline) }
}

function count (n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1_000 ? `${n / 1_000}k` : String(n)
}

export async function runMemoryAndScale ({ alg, keys, options, plan }: { alg: Algorithm, keys: BenchKeys, options: Options, plan: Plan }): Promise<void> {
  const wantScale = options.scenarios.has('scale')
  step(`memory/scale: starting redis-servers and servers, opening ${options.refreshSessions} sessions each`)
  const [large, small] = await Promise.all([
    side(`rotor ${alg} @${count(options.scaleLarge)}`, keys, options),
    wantScale ? side(`rotor ${alg} @${count(options.scaleSmall)}`, keys, options) : null
  ])
  const largeRedis = new Redis(large.redisUrl)
  const largeStore = createRedisStore({ url: large.redisUrl, prefix: REDIS_PREFIX, commandTimeoutMs: 30_000 })
  const largeSeeder = createRedisSeeder({ url: large.redisUrl, prefix: REDIS_PREFIX })
  try {
    const written = options.scenarios.has('memory') ? options.memorySessions : TEMPLATES
    step(`memory: writing ${written.toLocaleString('en-US')} sessions through the store`)
    const userIds = Array.from({ length: written }, id)
    await createAccounts(largeSeeder, userIds)
    const memoryBefore = await usedMemory(largeRedis)
    const keysBefore = await keyCount(largeRedis)
    const templates = await createSessions(largeStore, userIds, 'store')
    if (options.scenarios.has('memory')) {
      const bytes = (await usedMemory(largeRedis) - memoryBefore) / written
      const keysPer = (await keyCount(largeRedis) - keysBefore) / written
      const footprint = await largeSeeder.footprint(templates[0] as SeededSession)
      addRow({
        scenario: 'memory',
        alg: '—',
        subject: { unit: 'B/session', value: bytes },
        baselineName: '—',
        ratio: NaN,
        target: '≤ 512 B/session',
        met: bytes <= 512,
        failed: 0,
        notes: [
          `used_memory delta / ${written.toLocaleString('en-US')} sessions, ${keysPer.toFixed(2)} keys each; ` +
          `created through the store API (createSession + one rotation each, ${USER_AGENT.length}-byte user agent) on top of existing accounts, not by logging in; ` +
          'one session per user, so each adds a whole index entry to its account: the costliest case',
          `MEMORY USAGE of one such session record: ${footprint.session} B; of its account hash with the index entry: ${footprint.account} B ` +
          '(the delta also holds the keyspace\'s own tables: dict entries and the expires dict)'
        ]
      })
    }
    if (small === null) return
    step(`scale: filling to ${count(options.scaleSmall)} and ${count(options.scaleLarge)} live sessions`)
    const smallStore = createRedisStore({ url: small.redisUrl, prefix: REDIS_PREFIX, commandTimeoutMs: 30_000 })
    try {
      await createSessions(smallStore, Array.from({ length: Math.max(0, options.scaleSmall - options.refreshSessions) }, id), 'small')
    } finally {
      await smallStore.close()
    }
    const copies = Math.max(0, options.scaleLarge - options.refreshSessions - written)
    const sample = await largeSeeder.copySessions(templates, copies, Date.now() + IDLE_TTL_MS, (copied) => {
      if (copied % 50_000 === 0 || copied === copies) detail(`copies: ${copied.toLocaleString('en-US')}`)
    })
    // A copy must read back as a live session through the store, or the fill is not what it claims.
    if (sample !== null && await largeStore.findSession(sample.userId, sample.sessionId, Date.now()) === null) {
      throw new Error('a copied session does not read back through the store')
    }
    const liveLarge = await keyCount(largeRedis)
    const measured = await measureOnStarts(alg, keys, large, small, plan, options.scaleStarts)
    const ratio = measured.subject.rps / measured.baseline.rps
    addRow({
      scenario: 'scale',
      alg,
      subject: { unit: 'req/s', value: measured.subject.rps, p50: measured.subject.p50, p99: measured.subject.p99 },
      baselineName: `refresh @${count(options.scaleSmall)}`,
      baseline: { unit: 'req/s', value: measured.baseline.rps, p50: measured.baseline.p50, p99: measured.baseline.p99 },
      ratio,
      target: `≥ 0.9 × @${count(options.scaleSmall)}`,
      met: ratio >= 0.9,
      failed: measured.subject.failed,
      notes: [
        `refresh with ${count(options.scaleLarge)} live sessions (${liveLarge.toLocaleString('en-US')} keys in that Redis) against ${count(options.scaleSmall)}; ` +
        `${written.toLocaleString('en-US')} written through the store, ${copies.toLocaleString('en-US')} copies of them (DUMP/RESTORE under fresh ids, own index entry each); ` +
        (options.scaleStarts >= 2 ? 'half the rounds on a second start of both servers' : 'one start of each server')
      ],
      rounds: measured
    })
  } finally {
    await largeStore.close()
    await largeSeeder.close()
    largeRedis.disconnect()
  }
}

// memory (Redis bytes per session over 100,000 sessions) and scale (refresh rate with 1,000 and with
// 1,000,000 live sessions in Redis). The bulk sessions are written through the store API
// (createRedisStore, the server's own scripts) rather than by logging in, which would cost an argon2
// verification each: same keys, same fields, realistic sizes.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'
import { startRedis, type NodeChild } from '../lib/children.js'
import { openSessionsOfOneUser, type HeldSession } from '../lib/client.js'
import type { Algorithm, BenchKeys } from '../lib/keys.js'
import type { Options } from '../lib/options.js'
import { startServer } from '../lib/processes.js'
import { detail, step } from '../lib/progress.js'
import { keyCount, usedMemory } from '../lib/redis-stats.js'
import { addRow } from '../lib/report.js'
import { interleave, type Plan } from '../lib/rounds.js'
import { refreshChains } from '../lib/targets.js'

const PREFIX = 'auth:'
const IDLE_TTL_MS = 1_209_600_000
const MAX_TTL_MS = 2_592_000_000
const GRACE_MS = 10_000
/** A current desktop Chrome user agent: what most sessions carry. */
const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const BATCH = 1_000

function id (): string { return randomBytes(16).toString('base64url') }

/**
 * Creates `count` sessions, one per user (each with its own index: the costliest layout per
 * session), and with `rotate` spends each one's first token once, so it also holds the rotation's
 * fields (previous hash, rotation time, grace successor box) as a session in use does.
 */
async function createSessions (store: AuthStore, count: number, rotate: boolean, label: string): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    const size = Math.min(BATCH, count - done)
    await Promise.all(Array.from({ length: size }, async (_, offset) => {
      const userId = id()
      const sessionId = id()
      const tokenHash = randomBytes(16).toString('base64url')
      const now = Date.now()
      const ip = `203.0.${(done + offset) % 256}.${offset % 256}`
      await store.createSession({ userId, sessionId, tokenHash, now, idleTtlMs: IDLE_TTL_MS, maxTtlMs: MAX_TTL_MS, ip, userAgent: USER_AGENT })
      if (!rotate) return
      const result = await store.rotateRefreshToken({
        userId,
        sessionId,
        generation: 1,
        presentedHash: tokenHash,
        successorHash: randomBytes(16).toString('base64url'),
        successorBox: randomBytes(32).toString('base64url'),
        now: now + 1,
        idleTtlMs: IDLE_TTL_MS,
        graceMs: GRACE_MS
      })
      if (result.outcome !== 'rotated') throw new Error(`bulk rotation: ${result.outcome}`)
    }))
    if ((done / BATCH) % 20 === 0) detail(`${label}: ${(done + size).toLocaleString('en-US')} sessions`)
  }
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

function count (n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1_000 ? `${n / 1_000}k` : String(n)
}

export async function runMemoryAndScale ({ alg, keys, options, plan }: { alg: Algorithm, keys: BenchKeys, options: Options, plan: Plan }): Promise<void> {
  const wantScale = options.scenarios.has('scale')
  step(`memory/scale: starting redis-servers and servers, opening ${options.refreshSessions} sessions each`)
  const large = await side(`rotor ${alg} @${count(options.scaleLarge)}`, keys, options)
  const small = wantScale ? await side(`rotor ${alg} @${count(options.scaleSmall)}`, keys, options) : null
  const largeRedis = new Redis(large.redisUrl)
  const largeStore = createRedisStore({ url: large.redisUrl, prefix: PREFIX, commandTimeoutMs: 30_000 })
  try {
    let created = options.refreshSessions
    if (options.scenarios.has('memory')) {
      step(`memory: ${options.memorySessions.toLocaleString('en-US')} sessions through the store`)
      const memoryBefore = await usedMemory(largeRedis)
      const keysBefore = await keyCount(largeRedis)
      await createSessions(largeStore, options.memorySessions, true, 'memory')
      const bytes = (await usedMemory(largeRedis) - memoryBefore) / options.memorySessions
      const keysPer = (await keyCount(largeRedis) - keysBefore) / options.memorySessions
      created += options.memorySessions
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
          `used_memory delta / ${options.memorySessions.toLocaleString('en-US')} sessions, ${keysPer.toFixed(2)} keys each; ` +
          `created through the store API (createSession + one rotation each, ${USER_AGENT.length}-byte user agent), not by logging in; ` +
          'one session per user, so each carries a whole index: the costliest case'
        ]
      })
    }
    if (small === null) return
    step(`scale: filling to ${count(options.scaleSmall)} and ${count(options.scaleLarge)} live sessions through the store`)
    const smallStore = createRedisStore({ url: small.redisUrl, prefix: PREFIX, commandTimeoutMs: 30_000 })
    try {
      await createSessions(smallStore, Math.max(0, options.scaleSmall - options.refreshSessions), false, 'small')
    } finally {
      await smallStore.close()
    }
    await createSessions(largeStore, Math.max(0, options.scaleLarge - created), false, 'large')
    const liveLarge = await keyCount(largeRedis)
    const measured = await interleave(
      `scale ${alg}`,
      refreshChains(large.server.name, large.server.url, large.sessions),
      refreshChains(small.server.name, small.server.url, small.sessions),
      plan
    )
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
      notes: [`refresh with ${count(options.scaleLarge)} live sessions (${liveLarge.toLocaleString('en-US')} keys in that Redis) against ${count(options.scaleSmall)}; bulk sessions created through the store API`],
      rounds: measured
    })
  } finally {
    await largeStore.close()
    largeRedis.disconnect()
  }
}

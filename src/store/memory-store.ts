// The embedded store: one process, no Redis, the same behaviour as the Redis store, so the contract
// suite (test/store/contract.ts) holds for both. Every method does its work synchronously before its
// first await, which makes each one atomic the way a Lua script is on Redis. Decisions use the
// caller's `now`; the injected clock only plays Redis's part of expiring keys (checked lazily on
// access, plus an unref'd sweep so abandoned entries do not pile up).
import { AccountTable } from './memory/accounts.js'
import { CounterTable } from './memory/counters.js'
import { RevocationLog } from './memory/revocation-log.js'
import { SessionTable, type RotationOutcome } from './memory/sessions.js'
import type { AuthStore, RevocationReason, RotateRefreshTokenInput, RotateRefreshTokenResult } from './types.js'

export { MemoryStoreFullError } from './memory/accounts.js'

export interface MemoryStoreOptions {
  /** Drives key expiry only (Date.now by default); inject one to test expiry without waiting. */
  clock?: () => number
  /** When full, the sessions closest to their end are evicted (as Redis volatile-ttl would). */
  maxSessions?: number
  /** Accounts are never evicted: createUser rejects with MemoryStoreFullError instead. */
  maxUsers?: number
  /** When full, the counters closest to their reset are evicted. */
  maxCounters?: number
  /** How often expired entries nobody reads are swept away. */
  sweepIntervalMs?: number
  /** ACCESS_TOKEN_TTL in seconds (default 900): a revocation stays in force that long plus 5 s. */
  accessTokenTtl?: number
  /** Revocations kept at most; past it the oldest go first, and readers behind them reset. */
  maxRevocations?: number
}

/** Raw entry counts, expired-but-not-yet-swept entries included (for tests and metrics). */
export interface MemoryStoreStats {
  users: number
  sessions: number
  indexes: number
  counters: number
  revocations: number
}

export interface MemoryStore extends AuthStore {
  stats (): MemoryStoreStats
  /** The session ids the user's index holds, read without pruning (as a read of the Redis index would). */
  indexedSessionIds (userId: string): string[]
}

export function createMemoryStore (options: MemoryStoreOptions = {}): MemoryStore {
  const clock = options.clock ?? Date.now
  const accounts = new AccountTable(options.maxUsers ?? 100_000)
  const sessions = new SessionTable(clock, options.maxSessions ?? 100_000)
  const counters = new CounterTable(clock, options.maxCounters ?? 100_000)
  const revocations = new RevocationLog({ clock, accessTokenTtl: options.accessTokenTtl ?? 900, maxRevocations: options.maxRevocations ?? 100_000 })

  const revoke = (userId: string, sessionIds: string[], reason: RevocationReason, now: number): void => {
    revocations.append(sessionIds.map((sessionId) => ({ userId, sessionId, reason })), now)
  }

  function rotate (input: RotateRefreshTokenInput): RotationOutcome {
    const result = sessions.rotate(input)
    if (result.outcome === 'reused') revoke(input.userId, [input.sessionId], 'reuse', input.now)
    return result
  }

  const sweepTimer = setInterval(() => {
    sessions.sweep()
    counters.sweep()
    revocations.sweep()
  }, options.sweepIntervalMs ?? 30_000)
  sweepTimer.unref()

  return {
    async createUser (user) {
      return accounts.create(user)
    },

    async findUserByUsername (username) {
      return accounts.findByUsername(username)
    },

    async findUserById (userId) {
      return accounts.findById(userId)
    },

    async changePassword ({ userId, previousPasswordHash, passwordHash, keepSessionId, now }) {
      if (!accounts.replacePasswordHash(userId, previousPasswordHash, passwordHash)) return -1
      const ended = sessions.endAll(userId, now, keepSessionId)
      revoke(userId, ended, 'password-change', now)
      return ended.length
    },

    async createSession (input) {
      const created = sessions.create(input)
      revoke(input.userId, created.evictedSessionIds, 'evicted', input.now)
      return created
    },

    async rotateRefreshToken (input): Promise<RotateRefreshTokenResult> {
      const { counter } = input
      if (counter === undefined) return rotate(input)
      const counted = counters.increment(counter.key, counter.windowMs, input.now)
      if (counted.count > counter.max) return { outcome: 'limited', counted }
      return { ...rotate(input), counted }
    },

    async endSession (userId, sessionId, reason, now) {
      if (!sessions.end(userId, sessionId, now)) return false
      revoke(userId, [sessionId], reason, now)
      return true
    },

    async endAllSessions (userId, now) {
      const ended = sessions.endAll(userId, now, null)
      revoke(userId, ended, 'logout-all', now)
      return ended.length
    },

    async listSessions (userId, now) {
      return sessions.list(userId, now)
    },

    async findSession (userId, sessionId, now) {
      return sessions.find(userId, sessionId, now)
    },

    async incrementCounter (key, windowMs, now) {
      return counters.increment(key, windowMs, now)
    },

    async readCounter (key, now) {
      return counters.read(key, now)
    },

    async releaseCounterHit (key) {
      counters.releaseHit(key)
    },

    async deleteCounter (key) {
      counters.delete(key)
    },

    async readRevocations (after, now, limit) {
      return revocations.read(after, now, limit)
    },

    async waitForRevocations (after, timeoutMs, now) {
      return await revocations.wait(after, timeoutMs, now)
    },

    async ping () {},

    async close () {
      clearInterval(sweepTimer)
      revocations.close()
    },

    stats () {
      return { users: accounts.size, sessions: sessions.sessionCount, indexes: sessions.indexCount, counters: counters.size, revocations: revocations.size }
    },

    indexedSessionIds (userId) {
      return sessions.indexedSessionIds(userId)
    }
  }
}

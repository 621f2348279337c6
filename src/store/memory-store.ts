// The embedded store: one process, no Redis, same semantics (../../notes/STORE-SPEC.md) so the
// contract suite (test/store/contract.ts) holds for both. Every method does its work synchronously
// before its first await, which makes each one atomic the way a Lua script is on Redis.
// Decisions use the caller's `now`; the injected clock only plays Redis's part of expiring keys
// (checked lazily on access, plus an unref'd sweep so abandoned entries do not pile up).
import type {
  AuthStore, CounterState, CreateSessionInput, RotateRefreshTokenInput, RotateRefreshTokenResult,
  SessionEndReason, SessionEndedEvent, SessionRecord, UserRecord
} from './types.js'

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
}

/** Raw entry counts, expired-but-not-yet-swept entries included (for tests and metrics). */
export interface MemoryStoreStats {
  users: number
  sessions: number
  indexes: number
  counters: number
}

export interface MemoryStore extends AuthStore {
  stats (): MemoryStoreStats
  /** The session ids the user's index holds, read without pruning (as ZRANGE would). */
  indexedSessionIds (userId: string): string[]
}

export class MemoryStoreFullError extends Error {
  constructor (what: string, limit: number) {
    super(`The embedded store holds its maximum of ${limit} ${what}: raise the limit or use Redis`)
    this.name = 'MemoryStoreFullError'
  }
}

// The Redis session hash's fields, plus expiresAt (Redis keeps it as the key's expiry and index score).
interface StoredSession {
  id: string
  userId: string
  createdAt: number
  lastUsedAt: number
  maxExpiresAt: number
  expiresAt: number
  ip: string
  userAgent: string
  gen: number
  cur: string
  prev: string
  rotatedAt: number
  box: string
}

interface SessionIndex {
  /** sessionId → expiresAt, like the Redis sorted set. */
  scores: Map<string, number>
  /** Clock time the whole index expires at (PEXPIREAT max score). */
  expireAt: number
}

interface StoredCounter {
  count: number
  resetAt: number
  expireAt: number
}

export function createMemoryStore (options: MemoryStoreOptions = {}): MemoryStore {
  const clock = options.clock ?? Date.now
  const maxSessions = options.maxSessions ?? 100_000
  const maxUsers = options.maxUsers ?? 100_000
  const maxCounters = options.maxCounters ?? 100_000

  const users = new Map<string, UserRecord>()
  const userIdByName = new Map<string, string>()
  const sessions = new Map<string, StoredSession>()
  const indexes = new Map<string, SessionIndex>()
  const counters = new Map<string, StoredCounter>()
  const listeners = new Set<(event: SessionEndedEvent) => void>()

  // JSON keeps the pair unambiguous whatever characters a caller's ids contain.
  const sessionKey = (userId: string, sessionId: string): string => JSON.stringify([userId, sessionId])

  /** Redis's lazy expiry: an entry whose deadline has passed on the clock is deleted when read. */
  function live<V> (map: Map<string, V>, key: string, deadline: (value: V) => number): V | undefined {
    const value = map.get(key)
    if (value === undefined || deadline(value) > clock()) return value
    map.delete(key)
    return undefined
  }
  const getSession = (userId: string, sessionId: string): StoredSession | undefined =>
    live(sessions, sessionKey(userId, sessionId), (s) => s.expiresAt)
  const getIndex = (userId: string): SessionIndex | undefined => live(indexes, userId, (i) => i.expireAt)
  const getCounter = (key: string): StoredCounter | undefined => live(counters, key, (c) => c.expireAt)

  /** Drops index entries of sessions ended by `now` (the Redis store does so when it walks an index). */
  function pruneIndex (userId: string, now: number): SessionIndex | undefined {
    const index = getIndex(userId)
    if (index === undefined) return undefined
    for (const [sessionId, score] of index.scores) {
      if (score <= now) index.scores.delete(sessionId)
    }
    return settleIndex(userId, index)
  }

  /** After a change: TTL = max score, or no index at all when it is empty. */
  function settleIndex (userId: string, index: SessionIndex): SessionIndex | undefined {
    if (index.scores.size === 0) {
      indexes.delete(userId)
      return undefined
    }
    let maxScore = 0
    for (const score of index.scores.values()) maxScore = Math.max(maxScore, score)
    index.expireAt = maxScore
    return index
  }

  function setIndexScore (userId: string, sessionId: string, score: number): void {
    const index = getIndex(userId) ?? { scores: new Map<string, number>(), expireAt: 0 }
    index.scores.set(sessionId, score)
    indexes.set(userId, index)
    settleIndex(userId, index)
  }

  function deleteSession (userId: string, sessionId: string): void {
    sessions.delete(sessionKey(userId, sessionId))
    const index = getIndex(userId)
    if (index !== undefined && index.scores.delete(sessionId)) settleIndex(userId, index)
  }

  function emit (events: SessionEndedEvent[]): void {
    for (const event of events) {
      for (const listener of listeners) {
        // A failing listener must not undo or interrupt a state change that already happened.
        try {
          listener({ ...event })
        } catch (error) {
          process.emitWarning(`session-ended listener threw: ${String(error)}`)
        }
      }
    }
  }

  /** Ends every live indexed session but `keepSessionId`; the caller emits the returned events. */
  function endIndexedSessions (userId: string, now: number, keepSessionId: string | null, reason: SessionEndReason): SessionEndedEvent[] {
    const index = pruneIndex(userId, now)
    if (index === undefined) return []
    const ended: SessionEndedEvent[] = []
    for (const sessionId of [...index.scores.keys()]) {
      if (sessionId === keepSessionId) continue
      const session = getSession(userId, sessionId)
      if (session !== undefined && session.expiresAt > now) ended.push({ userId, sessionId, reason })
      deleteSession(userId, sessionId)
    }
    return ended
  }

  function toRecord (s: StoredSession): SessionRecord {
    return {
      id: s.id,
      userId: s.userId,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      ip: s.ip,
      userAgent: s.userAgent
    }
  }

  /** Removes expired entries; then, if `map` is still full, the entry expiring soonest. */
  function makeRoom<V> (map: Map<string, V>, limit: number, expiry: (value: V) => number, onEvict: (key: string, value: V) => void): void {
    if (map.size < limit) return
    const time = clock()
    let soonestKey: string | undefined
    let soonest = Infinity
    for (const [key, value] of map) {
      const at = expiry(value)
      if (at <= time) onEvict(key, value)
      else if (at < soonest) {
        soonest = at
        soonestKey = key
      }
    }
    if (map.size >= limit && soonestKey !== undefined) onEvict(soonestKey, map.get(soonestKey) as V)
  }

  const evictSession = (_key: string, session: StoredSession): void => { deleteSession(session.userId, session.id) }
  const evictCounter = (key: string): void => { counters.delete(key) }

  function rotate (input: RotateRefreshTokenInput): RotateRefreshTokenResult {
    const { userId, sessionId, generation, presentedHash, now } = input
    pruneIndex(userId, now)
    const s = getSession(userId, sessionId)
    if (s === undefined || s.expiresAt <= now) return { outcome: 'invalid' }
    if (presentedHash === s.cur && generation === s.gen) {
      s.prev = s.cur
      s.cur = input.successorHash
      s.box = input.successorBox
      s.rotatedAt = now
      s.gen += 1
      s.lastUsedAt = now
      s.expiresAt = Math.min(now + input.idleTtlMs, s.maxExpiresAt)
      setIndexScore(userId, sessionId, s.expiresAt)
      return { outcome: 'rotated', generation: s.gen, session: toRecord(s) }
    }
    if (input.graceMs > 0 && presentedHash === s.prev && generation === s.gen - 1 && now - s.rotatedAt <= input.graceMs) {
      return { outcome: 'grace', generation: s.gen, successorBox: s.box, session: toRecord(s) }
    }
    // The caller verified the token's MAC, so a lower generation is a genuinely spent token.
    if (generation < s.gen) {
      deleteSession(userId, sessionId)
      emit([{ userId, sessionId, reason: 'reuse' }])
      return { outcome: 'reused' }
    }
    return { outcome: 'invalid' }
  }

  function countHit (key: string, windowMs: number, now: number): CounterState {
    let counter = getCounter(key)
    if (counter === undefined) {
      makeRoom(counters, maxCounters, (c) => c.expireAt, evictCounter)
      counter = { count: 0, resetAt: now + windowMs, expireAt: clock() + windowMs }
      counters.set(key, counter)
    }
    counter.count += 1
    return { count: counter.count, resetAt: counter.resetAt }
  }

  function sweep (): void {
    const time = clock()
    for (const [key, session] of sessions) if (session.expiresAt <= time) evictSession(key, session)
    for (const [userId, index] of indexes) if (index.expireAt <= time) indexes.delete(userId)
    for (const [key, counter] of counters) if (counter.expireAt <= time) counters.delete(key)
  }
  const sweepTimer = setInterval(sweep, options.sweepIntervalMs ?? 30_000)
  sweepTimer.unref()

  return {
    async createUser (user) {
      if (userIdByName.has(user.username)) return 'taken'
      if (users.size >= maxUsers) throw new MemoryStoreFullError('accounts', maxUsers)
      users.set(user.id, { ...user })
      userIdByName.set(user.username, user.id)
      return 'created'
    },

    async findUserByUsername (username) {
      const userId = userIdByName.get(username)
      const user = userId === undefined ? undefined : users.get(userId)
      return user === undefined ? null : { ...user }
    },

    async findUserById (userId) {
      const user = users.get(userId)
      return user === undefined ? null : { ...user }
    },

    async changePassword ({ userId, previousPasswordHash, passwordHash, keepSessionId, now }) {
      const user = users.get(userId)
      if (user === undefined || user.passwordHash !== previousPasswordHash) return -1
      user.passwordHash = passwordHash
      const ended = endIndexedSessions(userId, now, keepSessionId, 'password-change')
      emit(ended)
      return ended.length
    },

    async createSession (input: CreateSessionInput) {
      pruneIndex(input.userId, input.now)
      makeRoom(sessions, maxSessions, (s) => s.expiresAt, evictSession)
      const maxExpiresAt = input.now + input.maxTtlMs
      const session: StoredSession = {
        id: input.sessionId,
        userId: input.userId,
        createdAt: input.now,
        lastUsedAt: input.now,
        maxExpiresAt,
        expiresAt: Math.min(input.now + input.idleTtlMs, maxExpiresAt),
        ip: input.ip,
        userAgent: input.userAgent,
        gen: 1,
        cur: input.tokenHash,
        prev: '',
        rotatedAt: 0,
        box: ''
      }
      sessions.set(sessionKey(input.userId, input.sessionId), session)
      setIndexScore(input.userId, input.sessionId, session.expiresAt)
      return toRecord(session)
    },

    async rotateRefreshToken (input: RotateRefreshTokenInput): Promise<RotateRefreshTokenResult> {
      const { counter } = input
      if (counter === undefined) return rotate(input)
      const counted = countHit(counter.key, counter.windowMs, input.now)
      if (counted.count > counter.max) return { outcome: 'limited', counted }
      return { ...rotate(input), counted }
    },

    async endSession (userId, sessionId, reason, now) {
      pruneIndex(userId, now)
      const session = getSession(userId, sessionId)
      if (session === undefined) return false
      deleteSession(userId, sessionId)
      if (session.expiresAt <= now) return false
      emit([{ userId, sessionId, reason }])
      return true
    },

    async endAllSessions (userId, now) {
      const ended = endIndexedSessions(userId, now, null, 'logout-all')
      emit(ended)
      return ended.length
    },

    async listSessions (userId, now) {
      const index = pruneIndex(userId, now)
      if (index === undefined) return []
      const live: SessionRecord[] = []
      for (const sessionId of [...index.scores.keys()]) {
        const session = getSession(userId, sessionId)
        if (session === undefined) index.scores.delete(sessionId)
        else live.push(toRecord(session))
      }
      settleIndex(userId, index)
      return live.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    },

    async findSession (userId, sessionId, now) {
      const session = getSession(userId, sessionId)
      return session === undefined || session.expiresAt <= now ? null : toRecord(session)
    },

    async incrementCounter (key, windowMs, now): Promise<CounterState> {
      return countHit(key, windowMs, now)
    },

    async readCounter (key, now) {
      const counter = getCounter(key)
      if (counter === undefined) return { count: 0, resetAt: now }
      return { count: counter.count, resetAt: counter.resetAt }
    },

    async releaseCounterHit (key) {
      const counter = getCounter(key)
      if (counter === undefined) return
      counter.count -= 1
      if (counter.count <= 0) counters.delete(key)
    },

    async deleteCounter (key) {
      counters.delete(key)
    },

    onSessionEnded (listener) {
      // A wrapper per call, so subscribing one function twice needs two unsubscribes, as with Redis.
      const wrapped = (event: SessionEndedEvent): void => { listener(event) }
      listeners.add(wrapped)
      return () => { listeners.delete(wrapped) }
    },

    async ping () {},

    async close () {
      clearInterval(sweepTimer)
      listeners.clear()
    },

    stats () {
      return { users: users.size, sessions: sessions.size, indexes: indexes.size, counters: counters.size }
    },

    indexedSessionIds (userId) {
      return [...(getIndex(userId)?.scores.keys() ?? [])]
    }
  }
}

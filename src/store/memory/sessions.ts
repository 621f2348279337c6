// Sessions of the embedded store and each user's session index, kept as the Redis scripts keep
// them: a session expires at its idle or absolute end, the index holds sessionId -> expiresAt and
// lives as long as its latest entry, and ended sessions leave the index when it is walked. The
// store revokes the sessions these methods report ended (./revocation-log.ts).
import type {
  CreatedSession, CreateSessionInput, RotateRefreshTokenInput, SessionRecord
} from '../types.js'
import { ExpiringMap } from './expiring-map.js'

// The Redis session record's fields, plus expiresAt (Redis keeps it as the key's expiry and index score).
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
  /** sessionId → expiresAt, like the Redis index. */
  scores: Map<string, number>
  /** Clock time the whole index expires at (its latest score). */
  expireAt: number
}

/** A rotation's outcome without the counter, which the store counts first. */
export type RotationOutcome =
  | { outcome: 'rotated', generation: number, session: SessionRecord }
  | { outcome: 'grace', generation: number, successorBox: string, session: SessionRecord }
  | { outcome: 'reused' }
  | { outcome: 'invalid' }

// JSON keeps the pair unambiguous whatever characters a caller's ids contain.
const sessionKey = (userId: string, sessionId: string): string => JSON.stringify([userId, sessionId])

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

export class SessionTable {
  private readonly sessions: ExpiringMap<StoredSession>
  private readonly indexes: ExpiringMap<SessionIndex>
  private readonly evictSession = (_key: string, session: StoredSession): void => { this.deleteSession(session.userId, session.id) }

  /** When `maxSessions` are held, a new session evicts the one closest to its end. */
  constructor (clock: () => number, private readonly maxSessions: number) {
    this.sessions = new ExpiringMap(clock, (s) => s.expiresAt)
    this.indexes = new ExpiringMap(clock, (i) => i.expireAt)
  }

  get sessionCount (): number { return this.sessions.size }
  get indexCount (): number { return this.indexes.size }

  /** Creates the session; `evictedSessionIds` are deleted already, for the store to revoke. */
  create (input: CreateSessionInput): CreatedSession {
    this.pruneIndex(input.userId, input.now)
    const evictedSessionIds = input.maxSessionsPerUser === undefined ? [] : this.evictLeastRecentlyUsed(input.userId, input.maxSessionsPerUser - 1, input.now)
    this.sessions.makeRoom(this.maxSessions, this.evictSession)
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
    this.sessions.set(sessionKey(input.userId, input.sessionId), session)
    this.setIndexScore(input.userId, input.sessionId, session.expiresAt)
    return { session: toRecord(session), evictedSessionIds }
  }

  /**
   * Deletes the user's least recently used live sessions (lastUsedAt, then createdAt, then id, as
   * lua/create-session.lua orders them) until at most `keep` are left; returns their ids in that order.
   */
  private evictLeastRecentlyUsed (userId: string, keep: number, now: number): string[] {
    const live: StoredSession[] = []
    for (const sessionId of this.indexedSessionIds(userId)) {
      const session = this.getSession(userId, sessionId)
      if (session !== undefined && session.expiresAt > now) live.push(session)
    }
    if (live.length <= keep) return []
    live.sort((a, b) => a.lastUsedAt - b.lastUsedAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const evicted = live.slice(0, live.length - keep).map((session) => session.id)
    for (const sessionId of evicted) this.deleteSession(userId, sessionId)
    return evicted
  }

  /** Rotation as RotateRefreshTokenResult describes it; a `reused` session is already deleted. */
  rotate (input: RotateRefreshTokenInput): RotationOutcome {
    const { userId, sessionId, generation, presentedHash, now } = input
    this.pruneIndex(userId, now)
    const s = this.getSession(userId, sessionId)
    if (s === undefined || s.expiresAt <= now) return { outcome: 'invalid' }
    if (presentedHash === s.cur && generation === s.gen) {
      s.prev = s.cur
      s.cur = input.successorHash
      s.box = input.successorBox
      s.rotatedAt = now
      s.gen += 1
      s.lastUsedAt = now
      s.ip = input.ip
      s.userAgent = input.userAgent
      s.expiresAt = Math.min(now + input.idleTtlMs, s.maxExpiresAt)
      this.setIndexScore(userId, sessionId, s.expiresAt)
      return { outcome: 'rotated', generation: s.gen, session: toRecord(s) }
    }
    if (input.graceMs > 0 && presentedHash === s.prev && generation === s.gen - 1 && now - s.rotatedAt <= input.graceMs) {
      return { outcome: 'grace', generation: s.gen, successorBox: s.box, session: toRecord(s) }
    }
    // The caller verified the token's MAC, so a lower generation is a genuinely spent token.
    if (generation < s.gen) {
      this.deleteSession(userId, sessionId)
      return { outcome: 'reused' }
    }
    return { outcome: 'invalid' }
  }

  /** Deletes the session; true when it was live at `now`. */
  end (userId: string, sessionId: string, now: number): boolean {
    this.pruneIndex(userId, now)
    const session = this.getSession(userId, sessionId)
    if (session === undefined) return false
    this.deleteSession(userId, sessionId)
    return session.expiresAt > now
  }

  /** Ends every live indexed session but `keepSessionId`; returns the ids of those that were live. */
  endAll (userId: string, now: number, keepSessionId: string | null): string[] {
    const index = this.pruneIndex(userId, now)
    if (index === undefined) return []
    const ended: string[] = []
    for (const sessionId of [...index.scores.keys()]) {
      if (sessionId === keepSessionId) continue
      const session = this.getSession(userId, sessionId)
      if (session !== undefined && session.expiresAt > now) ended.push(sessionId)
      this.deleteSession(userId, sessionId)
    }
    return ended
  }

  list (userId: string, now: number): SessionRecord[] {
    const index = this.pruneIndex(userId, now)
    if (index === undefined) return []
    const live: SessionRecord[] = []
    for (const sessionId of [...index.scores.keys()]) {
      const session = this.getSession(userId, sessionId)
      if (session === undefined) index.scores.delete(sessionId)
      else live.push(toRecord(session))
    }
    this.settleIndex(userId, index)
    return live.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  }

  find (userId: string, sessionId: string, now: number): SessionRecord | null {
    const session = this.getSession(userId, sessionId)
    return session === undefined || session.expiresAt <= now ? null : toRecord(session)
  }

  /** The session ids the user's index holds, read without pruning. */
  indexedSessionIds (userId: string): string[] {
    return [...(this.indexes.get(userId)?.scores.keys() ?? [])]
  }

  /** Removes expired sessions (with their index entries), then expired indexes. */
  sweep (): void {
    this.sessions.sweep(this.evictSession)
    this.indexes.sweep()
  }

  private getSession (userId: string, sessionId: string): StoredSession | undefined {
    return this.sessions.get(sessionKey(userId, sessionId))
  }

  /** Drops index entries of sessions ended by `now` (the Redis scripts do so when they walk an index). */
  private pruneIndex (userId: string, now: number): SessionIndex | undefined {
    const index = this.indexes.get(userId)
    if (index === undefined) return undefined
    for (const [sessionId, score] of index.scores) {
      if (score <= now) index.scores.delete(sessionId)
    }
    return this.settleIndex(userId, index)
  }

  /** After a change: the index expires with its latest entry, or goes when it is empty. */
  private settleIndex (userId: string, index: SessionIndex): SessionIndex | undefined {
    if (index.scores.size === 0) {
      this.indexes.delete(userId)
      return undefined
    }
    let maxScore = 0
    for (const score of index.scores.values()) maxScore = Math.max(maxScore, score)
    index.expireAt = maxScore
    return index
  }

  private setIndexScore (userId: string, sessionId: string, score: number): void {
    const index = this.indexes.get(userId) ?? { scores: new Map<string, number>(), expireAt: 0 }
    index.scores.set(sessionId, score)
    this.indexes.set(userId, index)
    this.settleIndex(userId, index)
  }

  private deleteSession (userId: string, sessionId: string): void {
    this.sessions.delete(sessionKey(userId, sessionId))
    const index = this.indexes.get(userId)
    if (index !== undefined && index.scores.delete(sessionId)) this.settleIndex(userId, index)
  }
}

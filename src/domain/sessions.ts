// Sessions: login starts one, every refresh rotates its refresh token (single use, with a grace
// replay for retries), reuse of a spent token ends it. Plain TypeScript: the routes adapt it to HTTP.
import type { Config } from '../config.js'
import { RateLimitedError, RefreshInvalidError, RefreshReusedError, SessionNotFoundError } from '../errors.js'
import type { AuthStore, CounterState, RotateRefreshTokenInput, SessionEndReason, SessionRecord } from '../store/types.js'
import {
  mintRefreshToken, mintSuccessor, newId, openSuccessor, readRefreshToken, sealSuccessor, type RefreshMacKeys
} from './refresh-tokens.js'
import { classifyGraceReplay, type ClientSeen, type ReplayClass } from './replay-classes.js'

/** Scope of every access token this server issues: its own API. */
export const DEFAULT_SCOPE = 'api'

/** Longest user agent kept with a session; the rest is cut so a session stays small. */
export const USER_AGENT_MAX_LENGTH = 200

/**
 * What this process is told when it ends sessions itself, so it refuses their access tokens before
 * it answers, without waiting for the revocation feed to bring them back (plugins/revocations.ts).
 */
export interface SessionEndNotices {
  /** `sessionId` has just ended. */
  noteEnded (sessionId: string): void
  /** Sessions this call cannot name have just ended (logout-all, a password change): read them. Never rejects. */
  catchUp (): Promise<void>
}

export interface SessionDeps {
  store: AuthStore
  keys: RefreshMacKeys
  config: Pick<Config, 'refreshIdleTtl' | 'sessionMaxTtl' | 'refreshReuseGrace' | 'sessionsPerUserMax'>
  now: () => number
  revocations: SessionEndNotices
}

/** A live session and the refresh token that continues it. */
export interface IssuedRefreshToken {
  userId: string
  sessionId: string
  refreshToken: string
  /** When the session ends unless refreshed (ms since the epoch). */
  expiresAt: number
  /** Set on the refresh path: 'rotated' or a 'grace' replay of the same successor. */
  outcome?: 'rotated' | 'grace'
  /** With outcome 'grace': what the replay most likely was (./replay-classes.ts). */
  replay?: ReplayClass
  /** The rate-limit counter the rotation counted in the same store call, when it was given one. */
  counted?: CounterState
  /** Set on login: the user's sessions this one evicted (SESSIONS_PER_USER_MAX), least recently used first. */
  evictedSessionIds?: string[]
}

/**
 * An error of rotateSession, with the counter state when the store call counted the request; a
 * RefreshReusedError names the session it ended and its replay class (always 'theft').
 */
export type RotationError = Error & { counted?: CounterState, userId?: string, sessionId?: string, replay?: ReplayClass }

/**
 * Starts a session for `client`. When the user already holds SESSIONS_PER_USER_MAX live sessions,
 * the store ends the least recently used ones in the same call (revocation reason `evicted`).
 */
export async function startSession (
  deps: SessionDeps,
  client: { userId: string, ip: string, userAgent: string }
): Promise<IssuedRefreshToken> {
  const sessionId = newId()
  const first = mintRefreshToken(deps.keys, { userId: client.userId, sessionId, generation: 1 })
  const { session, evictedSessionIds } = await deps.store.createSession({
    userId: client.userId,
    sessionId,
    tokenHash: first.hash,
    now: deps.now(),
    idleTtlMs: deps.config.refreshIdleTtl * 1000,
    maxTtlMs: deps.config.sessionMaxTtl * 1000,
    ip: client.ip,
    userAgent: client.userAgent.slice(0, USER_AGENT_MAX_LENGTH),
    maxSessionsPerUser: deps.config.sessionsPerUserMax
  })
  for (const evicted of evictedSessionIds) deps.revocations.noteEnded(evicted)
  return { userId: client.userId, sessionId, refreshToken: first.token, expiresAt: session.expiresAt, evictedSessionIds }
}

/**
 * Spends `presented`, sent by `client`, and returns its successor; the session records `client` as
 * where it was last used, so a later replay of `presented` can be classified. Throws RefreshInvalidError for anything that is not
 * a live session's token and RefreshReusedError (after the store ended the session) for a spent one.
 * With `counter`, the store counts the request against that limit in the same call (one round trip)
 * and rotates nothing past it: RateLimitedError. A token that fails its MAC reaches no store and
 * counts nothing: the caller counts it on its own.
 */
export async function rotateSession (
  deps: SessionDeps,
  presented: string,
  client: ClientSeen,
  counter?: RotateRefreshTokenInput['counter']
): Promise<IssuedRefreshToken> {
  const token = readRefreshToken(deps.keys, presented)
  if (token === null) throw new RefreshInvalidError()
  const { userId, sessionId, generation } = token
  const successor = mintSuccessor(deps.keys, token, generation + 1)
  const now = deps.now()
  const userAgent = client.userAgent.slice(0, USER_AGENT_MAX_LENGTH)
  const result = await deps.store.rotateRefreshToken({
    userId,
    sessionId,
    generation,
    presentedHash: token.hash,
    successorHash: successor.hash,
    successorBox: sealSuccessor(successor.secret, token.boxKey),
    now,
    idleTtlMs: deps.config.refreshIdleTtl * 1000,
    graceMs: deps.config.refreshReuseGrace * 1000,
    ip: client.ip,
    userAgent,
    counter
  })
  const { counted } = result
  switch (result.outcome) {
    case 'rotated':
      return { userId, sessionId, refreshToken: successor.token, expiresAt: result.session.expiresAt, outcome: 'rotated', counted }
    case 'grace': {
      // The same successor again: same ids, generation and secret give the same token.
      const again = mintSuccessor(deps.keys, token, result.generation, openSuccessor(result.successorBox, token.boxKey))
      // The session's lastUsedAt, ip and userAgent are those of the rotation that spent the token.
      const { lastUsedAt: rotatedAt, ip, userAgent: rotatedBy } = result.session
      const replay = classifyGraceReplay({ rotatedAt, ip, userAgent: rotatedBy }, { at: now, ip: client.ip, userAgent })
      return { userId, sessionId, refreshToken: again.token, expiresAt: result.session.expiresAt, outcome: 'grace', replay, counted }
    }
    case 'reused':
      deps.revocations.noteEnded(sessionId)
      throw Object.assign(new RefreshReusedError(), { userId, sessionId, counted, replay: 'theft' as const })
    case 'limited':
      throw Object.assign(new RateLimitedError(String(Math.max(1, Math.ceil((result.counted.resetAt - deps.now()) / 1000)))), { counted })
    default:
      throw Object.assign(new RefreshInvalidError(), { counted })
  }
}

/**
 * Ends the session a refresh token belongs to (logout). Any genuine token of the session will do,
 * spent or current: either way its holder wants it over. Returns the ended session, if there was one.
 */
export async function endSessionByRefreshToken (
  deps: SessionDeps,
  presented: string,
  reason: SessionEndReason = 'logout'
): Promise<{ userId: string, sessionId: string } | null> {
  const token = readRefreshToken(deps.keys, presented)
  if (token === null) return null
  if (!await endSession(deps, token.userId, token.sessionId, reason)) return null
  return { userId: token.userId, sessionId: token.sessionId }
}

/** What the session calls that need no token keys take. */
export type SessionStoreDeps = Pick<SessionDeps, 'store' | 'now' | 'revocations'>

/** Ends one session of `userId`; false when it was not a live session of that user. Idempotent. */
export async function endSession (deps: SessionStoreDeps, userId: string, sessionId: string, reason: SessionEndReason): Promise<boolean> {
  const ended = await deps.store.endSession(userId, sessionId, reason, deps.now())
  if (ended) deps.revocations.noteEnded(sessionId)
  return ended
}

/**
 * Ends a session of the caller's own (DELETE /auth/sessions/:id). The store looks the id up under
 * the caller's user key, so another user's session id is simply absent: SessionNotFoundError.
 */
export async function revokeSession (deps: SessionStoreDeps, userId: string, sessionId: string): Promise<void> {
  if (!await endSession(deps, userId, sessionId, 'revoked')) throw new SessionNotFoundError()
}

/** Ends every session of the user (logout everywhere). Returns how many ended. */
export async function endAllSessions (deps: SessionStoreDeps, userId: string): Promise<number> {
  const ended = await deps.store.endAllSessions(userId, deps.now())
  if (ended > 0) await deps.revocations.catchUp()
  return ended
}

/** The user's live sessions, oldest first, each marked whether it is `currentSessionId`. */
export async function listSessions (
  deps: Pick<SessionDeps, 'store' | 'now'>,
  userId: string,
  currentSessionId: string
): Promise<Array<SessionRecord & { current: boolean }>> {
  const sessions = await deps.store.listSessions(userId, deps.now())
  return sessions.map((session) => ({ ...session, current: session.id === currentSessionId }))
}

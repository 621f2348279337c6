// The one storage interface. Two implementations (redis-store.ts, memory-store.ts) pass one contract
// suite (test/store/contract.ts). Conventions for every method:
// - Times are milliseconds since the epoch; durations are milliseconds. Callers pass `now`, so the
//   store never reads a clock of its own for decisions (the memory store's clock only drives expiry).
// - Every method is atomic: on Redis each is one Lua script (one round trip) unless it says otherwise.
// - Secrets never arrive here: the store sees hashes of refresh tokens and argon2 hashes of passwords.
//   `successorBox` is the next token's secret masked with a key derived from the presented token,
//   so the store alone cannot recover it (see src/domain/refresh-tokens.ts).
// - A store that cannot answer (Redis down, frozen or timed out) rejects with StoreUnavailableError
//   from src/errors.ts, and has then changed nothing a client could later observe as spent or issued.

import type { Revocation, RevocationReason } from '../wire-types.js'

/** An account. `passwordHash` is an argon2id PHC string. */
export interface UserRecord {
  id: string
  /** The username as src/domain/usernames.ts enforces it (RFC 8265 UsernameCaseMapped; accounts registered earlier hold NFKC, lower case); unique. */
  username: string
  passwordHash: string
  createdAt: number
}

/** What a session shows its owner (GET /auth/sessions) and what rotation needs to answer. */
export interface SessionRecord {
  id: string
  userId: string
  createdAt: number
  lastUsedAt: number
  /** min(lastUsedAt + idleTtl, createdAt + maxTtl): when the session ends unless refreshed. */
  expiresAt: number
  /** Where the session was last used: the client of its login or of its latest rotation. */
  ip: string
  userAgent: string
}

// The feed's shapes are the gateway clients' too, so they are declared once, in src/wire-types.ts.
export type { Revocation, RevocationReason } from '../wire-types.js'

/** The reasons endSession takes; the other calls that end sessions give their own reason. */
export type SessionEndReason = Extract<RevocationReason, 'logout' | 'revoked' | 'evicted'>

export interface RevocationPage {
  /** In force at `now` (until > now/1000), ids after the cursor, oldest first. */
  revocations: Revocation[]
  /** Opaque, increasing in feed order; pass as `after` next time. */
  cursor: string
  /** `after` was older than every revocation kept: `revocations` holds ALL in force (reader must reset). */
  reset: boolean
}

export interface CreateSessionInput {
  userId: string
  sessionId: string
  /** Hash of the session's first refresh token (generation 1). */
  tokenHash: string
  now: number
  idleTtlMs: number
  maxTtlMs: number
  ip: string
  /** Already truncated by the caller. */
  userAgent: string
  /**
   * SESSIONS_PER_USER_MAX. When the user already holds this many live sessions, the least recently
   * used ones (lowest lastUsedAt, then oldest createdAt, then lowest id) end to make room, each
   * with a revocation of reason `evicted`, in the same atomic step. Absent: no cap.
   */
  maxSessionsPerUser?: number
}

export interface CreatedSession {
  session: SessionRecord
  /** The sessions ended to keep within `maxSessionsPerUser`, least recently used first; already in the feed. */
  evictedSessionIds: string[]
}

export interface RotateRefreshTokenInput {
  userId: string
  sessionId: string
  /** Generation written in the presented token (its MAC was already verified by the caller). */
  generation: number
  presentedHash: string
  /** Hash of the successor the caller minted, installed only if the presented token is current. */
  successorHash: string
  successorBox: string
  now: number
  idleTtlMs: number
  /** REFRESH_REUSE_GRACE in ms; 0 disables the grace replay. */
  graceMs: number
  /**
   * The client presenting the token (user agent already truncated): a rotation records it as the
   * session's `ip` and `userAgent`, so the session shows where it was last used and a grace replay
   * can be told apart from a replay by another client (src/domain/replay-classes.ts).
   */
  ip: string
  userAgent: string
  /**
   * A fixed-window counter to count this request against first, in the same atomic step (the
   * per-IP limit of POST /auth/refresh, so a refresh is one round trip on standalone Redis; on
   * Cluster the counter lies in another slot and costs a round trip of its own). Past `max` the
   * outcome is `limited` and nothing else is read or changed.
   */
  counter?: { key: string, windowMs: number, max: number }
}

/**
 * - `rotated`: the presented token was current; the caller's successor is installed with
 *   `generation` (= presented + 1), the session's expiry slid forward, and its `lastUsedAt`, `ip`
 *   and `userAgent` set to this call's `now` and client.
 * - `grace`: the presented token is the one spent by the latest rotation, within the grace window;
 *   `successorBox` and `generation` rebuild the same successor. Nothing changes in the store.
 *   `session.lastUsedAt`, `ip` and `userAgent` are those of the rotation that spent the token.
 * - `reused`: a genuine older token (generation below the current one, not a grace replay): the
 *   session has been ended (revocation reason `reuse`) and its current token no longer works.
 * - `invalid`: no such live session, or a token that cannot be this session's (nothing changes).
 * - `limited`: `input.counter` went past its max; nothing else was read or changed.
 * `counted` is the counter's state after this request, whenever `input.counter` was given.
 */
export type RotateRefreshTokenResult = (
  | { outcome: 'rotated', generation: number, session: SessionRecord }
  | { outcome: 'grace', generation: number, successorBox: string, session: SessionRecord }
  | { outcome: 'reused' }
  | { outcome: 'invalid' }
) & { counted?: CounterState } | { outcome: 'limited', counted: CounterState }

/** A fixed-window counter (rate limits, failed logins). */
export interface CounterState {
  count: number
  /** When the window ends and the counter disappears. */
  resetAt: number
}

export interface AuthStore {
  // --- Accounts (the only records without a TTL) ------------------------------------------------

  /**
   * Registers `user` if `user.username` is free. Two concurrent calls with one username: exactly
   * one gets `created`. On Redis Cluster this is two single-slot steps (claim the name, write the
   * account); a claim left without an account by a crash is reclaimable, never a stuck name.
   */
  createUser (user: UserRecord): Promise<'created' | 'taken'>
  findUserByUsername (username: string): Promise<UserRecord | null>
  findUserById (userId: string): Promise<UserRecord | null>

  /**
   * Replaces the password hash, if it still is `previousPasswordHash` (so two racing changes cannot
   * both win), and ends every session of the user except `keepSessionId` (revocation reason
   * `password-change`), atomically. Returns how many sessions ended, or -1 when the user is gone
   * or the hash changed meanwhile (nothing was changed then).
   */
  changePassword (input: {
    userId: string
    previousPasswordHash: string
    passwordHash: string
    keepSessionId: string | null
    now: number
  }): Promise<number>

  // --- Sessions -----------------------------------------------------------------------------------

  /**
   * Creates a session and its first refresh token hash, evicting the user's least recently used
   * sessions past `input.maxSessionsPerUser`; prunes ended sessions from the user's index.
   */
  createSession (input: CreateSessionInput): Promise<CreatedSession>
  /** Single-use rotation with grace replay and reuse detection: see RotateRefreshTokenResult. */
  rotateRefreshToken (input: RotateRefreshTokenInput): Promise<RotateRefreshTokenResult>
  /**
   * Ends one session, with a revocation of `reason`. Returns false when it was not a live session of
   * `userId` (no revocation then). Idempotent.
   */
  endSession (userId: string, sessionId: string, reason: SessionEndReason, now: number): Promise<boolean>
  /** Ends every session of the user, one revocation (reason `logout-all`) each. Returns how many ended. */
  endAllSessions (userId: string, now: number): Promise<number>
  /** The user's live sessions, oldest first; prunes ended ones from the index as it goes. */
  listSessions (userId: string, now: number): Promise<SessionRecord[]>
  /** One live session, or null (used to check that an access token's `sid` still lives). */
  findSession (userId: string, sessionId: string, now: number): Promise<SessionRecord | null>

  // --- Counters -----------------------------------------------------------------------------------

  /** Adds one to the counter `key` (a fixed window of `windowMs` from its first hit). */
  incrementCounter (key: string, windowMs: number, now: number): Promise<CounterState>
  /** Reads a counter without changing it; count 0 when absent. */
  readCounter (key: string, now: number): Promise<CounterState>
  /** Removes a counter (for example a username's failed logins after a success from that IP). */
  deleteCounter (key: string): Promise<void>
  /**
   * Takes back one hit that incrementCounter counted (a reserved attempt that turned out not to
   * count, such as a login that succeeded); removes the counter when none are left, keeps its
   * window otherwise. Nothing happens to an absent counter.
   */
  releaseCounterHit (key: string): Promise<void>

  // --- Revocations (docs/http-api.md, "Revocation feed") -------------------------------------------
  // Every call above that ends a live session (endSession, endAllSessions, changePassword,
  // rotateRefreshToken on reuse, createSession on eviction) puts its revocations in the feed before
  // it resolves; sessions that end by idle or absolute expiry make none. The feed keeps every
  // revocation at least while it is in force (until > now/1000) and drops it some time after (a
  // bounded margin).

  /** Revocations in force after `after` (null: all in force), oldest first, at most `limit` (default 1000). */
  readRevocations (after: string | null, now: number, limit?: number): Promise<RevocationPage>
  /**
   * Like readRevocations(after) but waits up to `timeoutMs` for at least one new revocation (Redis: a
   * blocking read on a connection of its own); an empty page with the same cursor on timeout.
   * Meant for ONE follower per process. Rejects with StoreUnavailableError when the store is down.
   */
  waitForRevocations (after: string, timeoutMs: number, now: number): Promise<RevocationPage>

  // --- Life cycle ---------------------------------------------------------------------------------

  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping (): Promise<void>
  close (): Promise<void>
}

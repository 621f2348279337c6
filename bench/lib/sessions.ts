// Sessions and revocations written straight through the server's store (createRedisStore, the same
// Lua scripts the server runs), for scenarios that need thousands of them: logging in would cost an
// argon2 verification each. Access tokens for such sessions are signed by the bench with the
// server's own key (tokens.ts), so the server and gateways accept them as their own.
import { randomBytes } from 'node:crypto'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore } from '../../src/store/types.js'
import { REDIS_PREFIX } from './processes.js'
import { detail } from './progress.js'

export interface StoredSession { userId: string, sessionId: string }

const IDLE_TTL_MS = 1_209_600_000
const MAX_TTL_MS = 2_592_000_000
const BATCH = 500

function id (): string { return randomBytes(16).toString('base64url') }

async function withStore<T> (redisUrl: string, use: (store: AuthStore) => Promise<T>): Promise<T> {
  const store = createRedisStore({ url: redisUrl, prefix: REDIS_PREFIX, commandTimeoutMs: 30_000 })
  try {
    return await use(store)
  } finally {
    await store.close()
  }
}

async function inBatches (count: number, label: string, make: (index: number) => Promise<void>): Promise<void> {
  for (let done = 0; done < count; done += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - done) }, async (_, offset) => { await make(done + offset) }))
    if (count > BATCH) detail(`${label}: ${Math.min(count, done + BATCH).toLocaleString('en-US')}`)
  }
}

async function createSessions (store: AuthStore, count: number, label: string, userOfLast?: string): Promise<StoredSession[]> {
  const sessions: StoredSession[] = Array.from({ length: count }, () => ({ userId: id(), sessionId: id() }))
  if (userOfLast !== undefined && count > 0) (sessions[count - 1] as StoredSession).userId = userOfLast
  await inBatches(count, label, async (index) => {
    const { userId, sessionId } = sessions[index] as StoredSession
    await store.createSession({ userId, sessionId, tokenHash: id(), now: Date.now(), idleTtlMs: IDLE_TTL_MS, maxTtlMs: MAX_TTL_MS, ip: '203.0.113.7', userAgent: 'rotor-bench' })
  })
  return sessions
}

/** `count` live sessions, one user each. */
export async function storeSessions (redisUrl: string, count: number): Promise<StoredSession[]> {
  return await withStore(redisUrl, async (store) => await createSessions(store, count, 'sessions'))
}

/**
 * `count` revocations in force: sessions created and ended (reason 'revoked') through the store, in
 * this order, each of a user of its own except the last, which is `userOfLast`'s when given (a user
 * the server knows, so a token of that session verifies until the server has read its revocation).
 */
export async function storeRevocations (redisUrl: string, count: number, userOfLast?: string): Promise<StoredSession[]> {
  return await withStore(redisUrl, async (store) => {
    const sessions = await createSessions(store, count, 'sessions to revoke', userOfLast)
    const end = async (index: number): Promise<void> => {
      const { userId, sessionId } = sessions[index] as StoredSession
      if (!await store.endSession(userId, sessionId, 'revoked', Date.now())) throw new Error('a session written for the bench did not end')
    }
    // The last alone, after the others: once a reader has it, it has them all (feed order).
    await inBatches(count - 1, 'revocations', end)
    if (count > 0) await end(count - 1)
    return sessions
  })
}

/** The `sub` claim of an access token (read, not verified: the bench made or received it). */
export function subjectOf (token: string): string {
  return sessionOf(token).userId
}

/** The user and session an access token names (its sub and sid). */
export function sessionOf (token: string): { userId: string, sessionId: string } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub?: unknown, sid?: unknown }
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('an access token without sub or sid')
  return { userId: payload.sub, sessionId: payload.sid }
}

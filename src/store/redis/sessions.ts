// Sessions and refresh-token rotation: each method is one script over the user's hash-tagged keys.
import { counterKey, sessionKey, sessionKeyPrefix, userKey } from '../redis-keys.js'
import type { AuthStore, CounterState, SessionRecord } from '../types.js'
import type { RedisContext } from './context.js'
import type { RevocationSink } from './revocation-sink.js'
import { packRotation } from './rotation-argument.js'

export type SessionMethods = Pick<AuthStore,
  'createSession' | 'rotateRefreshToken' | 'endSession' | 'endAllSessions' | 'listSessions' | 'findSession'>

/** Session records keep hashes and boxes as raw bytes (src/store/lua/lib/session-record.lua). */
const rawBytes = (base64url: string): Buffer => Buffer.from(base64url, 'base64url')

/** A session from the five fields a script returns from `at` on (createdAt … userAgent). */
function sessionFrom (id: string, userId: string, fields: unknown[], at = 0): SessionRecord {
  return {
    id,
    userId,
    createdAt: Number(fields[at]),
    lastUsedAt: Number(fields[at + 1]),
    expiresAt: Number(fields[at + 2]),
    ip: String(fields[at + 3]),
    userAgent: String(fields[at + 4])
  }
}

/**
 * `revocations` takes the revocations of the sessions these methods end; `incrementCounter` counts a
 * rotation's counter first on Cluster, where no script reaches both slots.
 */
export function sessionMethods (context: RedisContext, revocations: RevocationSink, incrementCounter: AuthStore['incrementCounter']): SessionMethods {
  const { isCluster, prefix, scripts, call, deadline } = context
  return {
    async createSession (input) {
      const { userId, sessionId, now } = input
      const reply = await call(() => scripts.createSession(
        sessionKey(prefix, userId, sessionId), userKey(prefix, userId), sessionKeyPrefix(prefix, userId), revocations.keyFor(userId),
        sessionId, rawBytes(input.tokenHash), now, input.idleTtlMs, input.maxTtlMs, input.ip, input.userAgent, deadline(),
        userId, input.maxSessionsPerUser ?? 0, ...revocations.args)) as unknown[]
      const evictedCount = Number(reply[1])
      await revocations.settle(userId, reply, 2 + evictedCount)
      return {
        session: { id: sessionId, userId, createdAt: now, lastUsedAt: now, expiresAt: Number(reply[0]), ip: input.ip, userAgent: input.userAgent },
        evictedSessionIds: reply.slice(2, 2 + evictedCount).map(String)
      }
    },

    async rotateRefreshToken (input) {
      const { userId, sessionId, counter } = input
      let counted: CounterState | undefined
      // On Cluster the counter lies in another slot than the session: count it first, on its own.
      if (counter !== undefined && isCluster) {
        counted = await incrementCounter(counter.key, counter.windowMs, input.now)
        if (counted.count > counter.max) return { outcome: 'limited', counted }
      }
      const session = sessionKey(prefix, userId, sessionId)
      const account = userKey(prefix, userId)
      const sink = revocations.keyFor(userId)
      const packed = packRotation(input, revocations.args, deadline())
      const limit = counter !== undefined && !isCluster ? counterKey(prefix, counter.key) : undefined
      const reply = await call(() => limit !== undefined
        ? scripts.rotateRefreshToken(4, session, account, sink, limit, packed)
        : scripts.rotateRefreshToken(3, session, account, sink, packed)) as unknown[]
      if (limit !== undefined) counted = { count: Number(reply[1]), resetAt: Number(reply[2]) }
      switch (reply[0]) {
        case 'rotated':
          // The script returns only what the caller does not already know (rotate-refresh-token.lua).
          return {
            outcome: 'rotated',
            generation: input.generation + 1,
            session: {
              id: sessionId,
              userId,
              createdAt: Number(reply[3]),
              lastUsedAt: input.now,
              expiresAt: Number(reply[4]),
              ip: input.ip,
              userAgent: input.userAgent
            },
            counted
          }
        case 'grace':
          return {
            outcome: 'grace',
            generation: Number(reply[3]),
            successorBox: Buffer.from(String(reply[9]), 'hex').toString('base64url'),
            session: sessionFrom(sessionId, userId, reply, 4),
            counted
          }
        case 'reused':
          await revocations.settle(userId, reply, 3)
          return { outcome: 'reused', counted }
        case 'limited':
          return { outcome: 'limited', counted: counted as CounterState }
        default:
          return { outcome: 'invalid', counted }
      }
    },

    async endSession (userId, sessionId, reason, now) {
      const reply = await call(() => scripts.endSession(
        sessionKey(prefix, userId, sessionId), userKey(prefix, userId), revocations.keyFor(userId),
        userId, sessionId, reason, now, ...revocations.args, deadline())) as unknown[]
      await revocations.settle(userId, reply, 1)
      return reply[0] === 1
    },

    async endAllSessions (userId, now) {
      const reply = await call(() => scripts.endAllSessions(
        userKey(prefix, userId), sessionKeyPrefix(prefix, userId), revocations.keyFor(userId),
        userId, now, ...revocations.args, deadline())) as unknown[]
      await revocations.settle(userId, reply, 1)
      return Number(reply[0])
    },

    async listSessions (userId, now) {
      const flat = await call(() => scripts.listSessions(userKey(prefix, userId), sessionKeyPrefix(prefix, userId), now)) as unknown[]
      const sessions: SessionRecord[] = []
      for (let at = 0; at < flat.length; at += 6) sessions.push(sessionFrom(String(flat[at]), userId, flat, at + 1))
      return sessions.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    },

    async findSession (userId, sessionId, now) {
      const fields = await call(() => scripts.findSession(sessionKey(prefix, userId, sessionId), now)) as unknown[]
      return fields.length === 0 ? null : sessionFrom(sessionId, userId, fields)
    }
  }
}

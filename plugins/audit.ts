// Security events (docs/audit-events.md): one log line each, with a stable `event` name, the user,
// the session, the client's IP and user agent, and never a secret; each also moves its counter in
// the metrics (plugins/metrics.ts). Routes report what the domain answered through `fastify.audit`
// and never write these lines themselves, so names and fields stay one set.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import type { ReplayClass } from '../src/domain/replay-classes.js'
import { USER_AGENT_MAX_LENGTH } from '../src/domain/sessions.js'

/** Why a login's password check failed. */
export type LoginFailure = 'wrong_password' | 'unknown_user'

export interface AuditLog {
  register (request: FastifyRequest, userId: string): void
  login (request: FastifyRequest, userId: string, sessionId: string): void
  /** `userId` when the account exists (a wrong password). */
  loginFailed (request: FastifyRequest, reason: LoginFailure, userId?: string): void
  /** A login refused by a limit (LOGIN_MAX_FAILURES or the per-IP one) before any password check. */
  loginThrottled (request: FastifyRequest): void
  /** A refresh that rotated: the presented token was the current one. */
  refresh (request: FastifyRequest, userId: string, sessionId: string): void
  /** A spent token presented inside the grace window, answered with the same successor. */
  refreshReplay (request: FastifyRequest, userId: string, sessionId: string, replay: ReplayClass): void
  /** A spent token presented after the grace window: the store ended the session. */
  reuseDetected (request: FastifyRequest, userId: string, sessionId: string): void
  /** A refresh token that is not a live session's (no line: forged and expired tokens are noise). */
  refreshInvalid (): void
  logout (request: FastifyRequest, userId: string, sessionId: string): void
  logoutAll (request: FastifyRequest, userId: string, sessionId: string, sessionsEnded: number): void
  /** A login past SESSIONS_PER_USER_MAX ended `sessionId`, the user's least recently used; `bySessionId` is the login's. */
  sessionEvicted (request: FastifyRequest, userId: string, sessionId: string, bySessionId: string): void
  /** `sessionId` is the session revoked; `bySessionId` the caller's. */
  sessionRevoked (request: FastifyRequest, userId: string, sessionId: string, bySessionId: string): void
  passwordChanged (request: FastifyRequest, userId: string, sessionId: string, sessionsEnded: number): void
  /** A wrong `currentPassword` (it counts toward LOGIN_MAX_FAILURES, as a failed login does). */
  passwordChangeFailed (request: FastifyRequest, userId: string, sessionId: string): void
}

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditLog
  }
}

/** The fields every per-request event carries besides its own. */
function client (request: FastifyRequest): { ip: string, userAgent: string } {
  // Cut as sessions cut it: a 60 kB header would otherwise be copied into every line it caused.
  return { ip: request.ip, userAgent: (request.headers['user-agent'] ?? '').slice(0, USER_AGENT_MAX_LENGTH) }
}

export default fp(async function auditPlugin (fastify) {
  const { logins, refreshes, replays, sessionsEnded } = fastify.metrics

  const audit: AuditLog = {
    register (request, userId) {
      request.log.info({ event: 'register', userId, ...client(request) }, 'account registered')
    },
    login (request, userId, sessionId) {
      logins.ok.inc()
      request.log.info({ event: 'login', userId, sessionId, ...client(request) }, 'login')
    },
    loginFailed (request, reason, userId) {
      logins[reason].inc()
      request.log.info({ event: 'login_failed', reason, userId, ...client(request) }, `login failed: ${reason.replace('_', ' ')}`)
    },
    loginThrottled (request) {
      logins.throttled.inc()
      request.log.info({ event: 'login_throttled', ...client(request) }, 'login refused by a rate limit')
    },
    refresh (request, userId, sessionId) {
      refreshes.rotated.inc()
      request.log.info({ event: 'refresh', userId, sessionId, ...client(request) }, 'refresh')
    },
    refreshReplay (request, userId, sessionId, replay) {
      refreshes.grace_replay.inc()
      replays[replay].inc()
      const fields = { event: 'refresh_replay', class: replay, userId, sessionId, ...client(request) }
      if (replay === 'theft') request.log.warn(fields, 'refresh replay from another client inside the grace window: suspicious, answered with the same successor')
      else request.log.info(fields, `refresh replay (${replay.replace('_', ' ')})`)
    },
    reuseDetected (request, userId, sessionId) {
      refreshes.reused.inc()
      replays.theft.inc()
      sessionsEnded.reuse.inc()
      request.log.warn({ event: 'reuse_detected', class: 'theft', userId, sessionId, ...client(request) }, 'refresh token reuse: session ended')
    },
    refreshInvalid () {
      refreshes.invalid.inc()
    },
    logout (request, userId, sessionId) {
      sessionsEnded.logout.inc()
      request.log.info({ event: 'logout', userId, sessionId, ...client(request) }, 'logout')
    },
    logoutAll (request, userId, sessionId, ended) {
      sessionsEnded['logout-all'].inc(ended)
      request.log.info({ event: 'logout_all', userId, sessionId, sessionsEnded: ended, ...client(request) }, 'logout everywhere')
    },
    sessionEvicted (request, userId, sessionId, bySessionId) {
      sessionsEnded.evicted.inc()
      request.log.info({ event: 'session_evicted', userId, sessionId, bySessionId, ...client(request) }, 'session evicted: SESSIONS_PER_USER_MAX reached')
    },
    sessionRevoked (request, userId, sessionId, bySessionId) {
      sessionsEnded.revoked.inc()
      request.log.info({ event: 'session_revoked', userId, sessionId, bySessionId, ...client(request) }, 'session revoked')
    },
    passwordChanged (request, userId, sessionId, ended) {
      sessionsEnded['password-change'].inc(ended)
      request.log.info({ event: 'password_changed', userId, sessionId, sessionsEnded: ended, ...client(request) }, 'password changed')
    },
    passwordChangeFailed (request, userId, sessionId) {
      request.log.info({ event: 'password_change_failed', userId, sessionId, ...client(request) }, 'password change refused: wrong current password')
    }
  }
  fastify.decorate('audit', audit)
}, { name: 'audit', dependencies: ['metrics'] })

// The revocation feed's wire format (docs/http-api.md, "Revocation feed").

/** Why a session ended early. */
export type RevocationReason = 'logout' | 'logout-all' | 'reuse' | 'password-change' | 'revoked' | 'evicted'

/** One ended session as the feed sends it; `at` and `until` are Unix seconds. */
export interface Revocation {
  /** Opaque cursor, increasing in feed order. */
  id: string
  /** The session id, as in the `sid` claim of its access tokens. */
  sid: string
  /** The user id, as in the `sub` claim. */
  sub: string
  reason: RevocationReason
  at: number
  /** After this no access token of the session can verify any more: the revocation is in force until then. */
  until: number
}

/** The revocation `data` holds, or null when it is not one (a gateway skips what it cannot read). */
export function parseRevocation (data: string): Revocation | null {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { id, sid, sub, reason, at, until } = value as Record<string, unknown>
  if (typeof id !== 'string' || typeof sid !== 'string' || sid === '' || typeof sub !== 'string' || typeof reason !== 'string') return null
  if (typeof at !== 'number' || typeof until !== 'number' || !Number.isFinite(until) || !Number.isFinite(at)) return null
  return { id, sid, sub, reason: reason as RevocationReason, at, until }
}

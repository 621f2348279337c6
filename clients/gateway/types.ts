// Reads the revocation feed's wire format (docs/http-api.md, "Revocation feed"), whose shapes
// src/wire-types.ts declares for the server and the clients alike.
import type { Revocation, RevocationReason } from '../../src/wire-types.js'

export type { Revocation, RevocationReason } from '../../src/wire-types.js'

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

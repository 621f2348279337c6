// Every Redis key and channel the store uses, built in one place (layout: ../../notes/STORE-SPEC.md).
// A user's keys share the Cluster hash tag `{userId}`, so each script touching one user runs on
// one slot; the username claim and counters are single-key operations on slots of their own.
import { createHash } from 'node:crypto'

/**
 * The account hash (username, passwordHash, createdAt), also the user's session index: one field
 * per session (sessionIndexField). The only key without a TTL besides the name claim.
 */
export function userKey (prefix: string, userId: string): string {
  return `${prefix}{${userId}}:user`
}

/** Everything before the session id; scripts that walk a user's index build session keys from it. */
export function sessionKeyPrefix (prefix: string, userId: string): string {
  return `${prefix}{${userId}}:s:`
}

/** One session's packed record (src/store/lua/lib/session-record.lua), expiring when the session ends. */
export function sessionKey (prefix: string, userId: string, sessionId: string): string {
  return sessionKeyPrefix(prefix, userId) + sessionId
}

/** The field of the account hash (userKey) that indexes one session; must match session-record.lua. */
export function sessionIndexField (sessionId: string): string {
  return `s:${sessionId}`
}

/**
 * The claim on a username, holding the userId. `username` must already be normalised (as in
 * UserRecord.username); it is hashed so keys have a fixed length and never show a username.
 */
export function usernameKey (prefix: string, username: string): string {
  return `${prefix}name:${createHash('sha256').update(username, 'utf8').digest('base64url')}`
}

/** A fixed-window counter (rate limits, failed logins). */
export function counterKey (prefix: string, key: string): string {
  return `${prefix}ctr:${key}`
}

/** Pub/sub channel of session-ended events, published from inside the scripts that end sessions. */
export function sessionEndedChannel (prefix: string): string {
  return `${prefix}session-ended`
}

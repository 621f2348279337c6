// Every Redis key the store uses, built in one place (how a session and the user's index are laid
// out: lua/lib/session-record.lua).
// A user's keys share the Cluster hash tag `{userId}`, so each script touching one user runs on
// one slot; the username claim and counters are single-key operations on slots of their own.
import { createHash } from 'node:crypto'
import { slotTag } from './redis/key-slot.js'

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

// The revocation feed (src/store/lua/lib/revocations.lua) and what Redis Cluster adds to it. The
// feed's keys share the hash tag {rv}: on Cluster they sit in one slot, apart from every user's.

/** The revocation feed: one stream, an entry per ended session. */
export function revocationFeedKey (prefix: string): string {
  return `${prefix}{rv}:feed`
}

/** Cluster: per outbox slot, the id of the last outbox entry published into the feed. */
export function revocationMarksKey (prefix: string): string {
  return `${prefix}{rv}:published`
}

/** Cluster: held by the one server sweeping the outboxes this interval. */
export function revocationSweepLeaseKey (prefix: string): string {
  return `${prefix}{rv}:sweep`
}

/**
 * Cluster: the revocation outbox of one slot, a stream in that slot (so a script over a user's keys
 * in it can append to it), written by the scripts that end sessions and published into the feed.
 */
export function revocationOutboxKey (prefix: string, slot: number): string {
  return `${prefix}{${slotTag(slot)}}:outbox`
}

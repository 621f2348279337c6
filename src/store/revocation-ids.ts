// Revocation ids (the feed's cursors) as both stores make them: a Redis stream id `<ms>-<n>`. An
// entry's id is its `until` in ms, or the next id after the previous entry's when that is higher,
// so ids grow in feed order and every id is at least its entry's `until`: the feed can drop entries
// by id alone once they are out of force (src/store/lua/lib/revocations.lua does the same in Redis).
// Readers get them with both numbers zero-padded (13 and 10 digits), so ids also grow as strings:
// a reader comparing cursors with < gets feed order.

/** A parsed id; compare with compareRevocationIds. */
export interface RevocationId { ms: number, seq: number }

const ID_PATTERN = /^(\d{1,15})-(\d{1,15})$/

/** The id `cursor` spells, padded or not, or null when it is not one (readers may send anything). */
export function parseRevocationId (cursor: string): RevocationId | null {
  const match = ID_PATTERN.exec(cursor)
  return match === null ? null : { ms: Number(match[1]), seq: Number(match[2]) }
}

/** The id as readers see it: padded, so string order is feed order. */
export function formatRevocationId (id: RevocationId): string {
  return `${String(id.ms).padStart(13, '0')}-${String(id.seq).padStart(10, '0')}`
}

/** The id as Redis spells it (stream ids take no leading zeros). */
export function streamId (id: RevocationId): string {
  return `${id.ms}-${id.seq}`
}

export function compareRevocationIds (a: RevocationId, b: RevocationId): number {
  return a.ms - b.ms || a.seq - b.seq
}

/** The id of an entry in force until `untilMs`, appended after `last`. */
export function nextRevocationId (last: RevocationId, untilMs: number): RevocationId {
  if (untilMs > last.ms) return { ms: untilMs, seq: 0 }
  return { ms: last.ms, seq: last.seq + 1 }
}

/** Seconds from a revocation's `at` to its `until`: the access-token lifetime plus the verifier's 5 s of leeway. */
export function revocationUntilOffset (accessTokenTtl: number): number {
  return accessTokenTtl + 5
}

/**
 * How long past their `until` the feed keeps entries: readers on other hosts may run a little behind
 * the clock that trims, and must still find what is in force by their clock.
 */
export const REVOCATION_TRIM_MARGIN_MS = 60_000

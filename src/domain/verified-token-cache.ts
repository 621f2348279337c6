// Verified access tokens, remembered so a repeat costs one Map lookup, one string comparison and
// one clock comparison. An entry answers only the very token it verified, and stops answering at
// that token's exp (+ leeway); whoever fills the cache clears it when the keys change.
import { TokenExpiredError } from '../errors.js'
import { CLOCK_LEEWAY_MS, type AccessTokenClaims } from './access-token-rules.js'
import { BASE64URL_VALUES } from './base64url.js'

/** Verified tokens kept by default; each entry is the token string and its frozen claims. */
export const DEFAULT_VERIFIED_CACHE_SIZE = 10_000

interface VerifiedEntry {
  token: string
  claims: AccessTokenClaims
  /** exp + leeway, in ms: from then on the entry answers TokenExpiredError. */
  expiredAtMs: number
  /** Insertion order, for the LRU approximation. */
  touched: number
}

// The cache is keyed by a number read from 5 signature characters (30 random bits for every
// algorithm; the very last character is skipped, part of it is unused bits): a small integer is hashed
// at once, where a string key is hashed afresh for every request. Two tokens with the same key take
// turns in the cache; an entry answers only a token equal to the one it verified.
const CACHE_KEY_CHARS = 5

/** The cache key of a token: read once per verification, passed to lookup and remember. */
export function verifiedCacheKey (token: string): number {
  let key = 0
  // `& 127` keeps every read inside the table; a character outside base64url fails verification anyway.
  for (let i = token.length - 1 - CACHE_KEY_CHARS; i < token.length - 1; i++) key = key * 64 + (BASE64URL_VALUES[token.charCodeAt(i) & 127] as number)
  return key
}

export interface VerifiedTokenCache {
  /**
   * The claims cached for exactly `token` (under `key`, its verifiedCacheKey), or undefined. Throws
   * TokenExpiredError, and forgets the entry, once the clock reaches the token's exp + leeway.
   */
  lookup (key: number, token: string): AccessTokenClaims | undefined
  /** Keeps `claims` as the verification of `token`, evicting the least recently used entry when full. */
  remember (key: number, token: string, claims: AccessTokenClaims): void
  /** Forgets every entry. */
  clear (): void
}

/** A cache of at most `size` entries, on the clock `now` (ms since the epoch). */
export function createVerifiedTokenCache (size: number, now: () => number): VerifiedTokenCache {
  const verified = new Map<number, VerifiedEntry>()
  let touches = 0
  // Eviction walks one long-lived iterator, which always stands at the oldest entry (Map iterators
  // follow deletions and insertions). A fresh keys().next() for each eviction would step over every
  // slot the earlier evictions left empty until V8 rehashes the Map.
  let oldestFirst: Iterator<number> | undefined

  // Approximate LRU: a hit re-inserts its entry (moving it to the young end of the Map's order) only
  // once it has aged past half the cache, so a steady stream of hits on one token costs no writes,
  // and a token used at least once per size / 2 insertions is never evicted.
  function touch (key: number, entry: VerifiedEntry): void {
    if (touches - entry.touched <= size >> 1) return
    verified.delete(key)
    entry.touched = ++touches
    verified.set(key, entry)
  }

  return {
    lookup (key, token) {
      const entry = verified.get(key)
      if (entry === undefined || entry.token !== token) return undefined
      if (now() >= entry.expiredAtMs) {
        verified.delete(key)
        throw new TokenExpiredError()
      }
      touch(key, entry)
      return entry.claims
    },

    remember (key, token, claims) {
      if (verified.size >= size && !verified.has(key)) {
        oldestFirst ??= verified.keys()
        let oldest = oldestFirst.next()
        if (oldest.done === true) {
          // An iterator that reached the end stays done: start a new one.
          oldestFirst = verified.keys()
          oldest = oldestFirst.next()
        }
        if (oldest.done !== true) verified.delete(oldest.value)
      }
      verified.set(key, { token, claims, expiredAtMs: claims.exp * 1000 + CLOCK_LEEWAY_MS, touched: ++touches })
    },

    clear () {
      verified.clear()
      oldestFirst = undefined
    }
  }
}

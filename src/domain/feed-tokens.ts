// Whether a presented secret is one of REVOCATION_FEED_TOKENS, in constant time: both sides are
// hashed to 32 bytes first (timingSafeEqual needs equal lengths, and a length check would tell an
// attacker the length), and every configured token is compared whether an earlier one matched or
// not, so the time says nothing about which token, or how much of one, was right.
import { createHash, timingSafeEqual } from 'node:crypto'

function digest (secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest()
}

/** A check against `tokens`; the tokens themselves are not kept, only their digests. */
export function feedTokenCheck (tokens: readonly string[]): (presented: string) => boolean {
  const digests = tokens.map(digest)
  return (presented) => {
    const presentedDigest = digest(presented)
    let matched = false
    for (const known of digests) matched = timingSafeEqual(presentedDigest, known) || matched
    return matched
  }
}

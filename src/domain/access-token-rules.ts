// What an access token says and what a verified one must say (docs/http-api.md, "Access tokens";
// the RFC 9068 JWT profile, with RFC 8725's best practices): the claims a new token gets, the header
// rules checked before any key is chosen, and the claim rules checked once the signature holds.
import { randomUUID } from 'node:crypto'
import type { Config } from '../config.js'
import { TokenExpiredError } from '../errors.js'
import type { AccessTokenClaims, AccessTokenTyp, ClockLeewaySeconds } from '../wire-types.js'
import { invalidToken } from './jws.js'

export type { AccessTokenClaims } from '../wire-types.js'

/** The `typ` header of every access token (RFC 9068 §2.1), compared exactly. */
export const ACCESS_TOKEN_TYP: AccessTokenTyp = 'at+jwt'
const CLOCK_LEEWAY_SECONDS: ClockLeewaySeconds = 5
/** The contract's clock leeway: at most 5 seconds, on exp, nbf and iat alike. */
export const CLOCK_LEEWAY_MS = CLOCK_LEEWAY_SECONDS * 1000

export interface AccessTokenSubject {
  userId: string
  sessionId: string
  scope: string
}

export type AccessTokenConfig = Pick<Config, 'jwtIssuer' | 'jwtAudience' | 'accessTokenTtl'>

// Headers that would let a token choose its own verification key (RFC 8725 §3.10, §2.6).
const KEY_SOURCE_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const
const STRING_CLAIMS = ['sub', 'sid', 'jti', 'scope'] as const
const TIME_CLAIMS = ['iat', 'nbf', 'exp'] as const

/** The claims of a new access token issued at `now` (ms since the epoch). */
export function accessTokenClaims (subject: AccessTokenSubject, config: AccessTokenConfig, now: number): AccessTokenClaims {
  if (subject.userId === '' || subject.sessionId === '' || subject.scope === '') {
    throw new TypeError('an access token needs a non-empty userId, sessionId and scope')
  }
  const iat = Math.floor(now / 1000)
  return {
    iss: config.jwtIssuer,
    aud: config.jwtAudience,
    sub: subject.userId,
    iat,
    nbf: iat,
    exp: iat + config.accessTokenTtl,
    jti: randomUUID(),
    sid: subject.sessionId,
    scope: subject.scope
  }
}

/** The header of every access token signed under `kid`; its members in this order make its one spelling. */
export function accessTokenHeader (alg: string, kid: string): Record<string, unknown> {
  return { alg, typ: ACCESS_TOKEN_TYP, kid }
}

/** The header's kid if the header obeys every rule; throws TokenInvalidError otherwise. */
export function checkedKid (header: Record<string, unknown>, alg: string): string {
  // Exact, case-sensitive: "none", "None", another family and a public key used as an HMAC secret all fail here (RFC 8725 §3.1).
  if (header.alg !== alg) throw invalidToken('alg is not JWT_ALG')
  // RFC 8725 §3.11, RFC 9068 §4: explicit typing keeps other JWTs signed with our keys out.
  if (header.typ !== ACCESS_TOKEN_TYP) throw invalidToken('typ is not at+jwt')
  // RFC 7515 §4.1.11: we understand no extension, so any crit must be refused.
  if (Object.hasOwn(header, 'crit')) throw invalidToken('crit header')
  for (const name of KEY_SOURCE_HEADERS) if (Object.hasOwn(header, name)) throw invalidToken(`${name} header`)
  if (typeof header.kid !== 'string') throw invalidToken('kid missing')
  return header.kid
}

/** Checks the authenticated payload at `now` (ms); returns exactly the contract's claims, frozen. */
export function checkedClaims (payload: Record<string, unknown>, config: AccessTokenConfig, now: number): AccessTokenClaims {
  // Exact strings: an `aud` array is refused even if it holds our audience (the contract says exact).
  if (payload.iss !== config.jwtIssuer) throw invalidToken('iss mismatch')
  if (payload.aud !== config.jwtAudience) throw invalidToken('aud mismatch')
  for (const claim of STRING_CLAIMS) {
    const value = payload[claim]
    if (typeof value !== 'string' || value === '') throw invalidToken(`${claim} missing or not a non-empty string`)
  }
  for (const claim of TIME_CLAIMS) {
    // JSON.parse turns 1e999 into Infinity: a token that would never expire.
    if (!Number.isFinite(payload[claim])) throw invalidToken(`${claim} missing or not a number`)
  }
  const claims: AccessTokenClaims = Object.freeze({
    iss: config.jwtIssuer,
    aud: config.jwtAudience,
    sub: payload.sub as string,
    iat: payload.iat as number,
    nbf: payload.nbf as number,
    exp: payload.exp as number,
    jti: payload.jti as string,
    sid: payload.sid as string,
    scope: payload.scope as string
  })
  // RFC 7519 §4.1.4/§4.1.5: expired at exp, usable from nbf; an iat in the future is a forged or broken clock.
  if (claims.nbf * 1000 - CLOCK_LEEWAY_MS > now) throw invalidToken('nbf in the future')
  if (claims.iat * 1000 - CLOCK_LEEWAY_MS > now) throw invalidToken('iat in the future')
  if (now >= claims.exp * 1000 + CLOCK_LEEWAY_MS) throw new TokenExpiredError()
  return claims
}

// Access tokens (docs/http-api.md, "Access tokens"): signing, and the one verification path every
// bearer route goes through. This module only composes: the compact JWS (jws.ts), the header and
// claim rules (access-token-rules.ts), the verified-token cache (verified-token-cache.ts) and the
// keys ready to sign and verify with (keys.ts).
// Verification runs in the contract's order: strict compact form in its one spelling, header rules
// before any key is chosen, the signature, then claim types and values, then times against the
// injected clock (tests and replays move it); the payload is not looked at until the signature holds.
// @fastify/jwt is deliberately not registered: its request.jwtVerify would be a second, weaker
// verification path, and its signer is bound to one key at registration, so reload() could not rotate it.
import {
  accessTokenClaims, accessTokenHeader, checkedClaims, checkedKid,
  type AccessTokenClaims, type AccessTokenConfig, type AccessTokenSubject
} from './access-token-rules.js'
import { SessionEndedError } from '../errors.js'
import { decodedSegment, hasCanonicalSegments, hasValidSignature, invalidToken, isCompactJws, jwsSigner } from './jws.js'
import type { KeyRing } from './keys.js'
import { createVerifiedTokenCache, DEFAULT_VERIFIED_CACHE_SIZE, verifiedCacheKey } from './verified-token-cache.js'

// The rules' public names, so users of access tokens import from one module.
export { ACCESS_TOKEN_TYP, CLOCK_LEEWAY_MS, type AccessTokenClaims, type AccessTokenSubject } from './access-token-rules.js'
export { DEFAULT_VERIFIED_CACHE_SIZE } from './verified-token-cache.js'

/** Longer tokens are refused before any parsing (ours are well under 1 kB). */
export const MAX_ACCESS_TOKEN_LENGTH = 8 * 1024

export interface SignedAccessToken {
  token: string
  /** Seconds until `exp` (ACCESS_TOKEN_TTL), as the login and refresh bodies answer it. */
  expiresIn: number
  claims: AccessTokenClaims
}

/**
 * Decides, on every verification (cached or not), whether the token's session has ended: then
 * verify() throws SessionEndedError. Must be synchronous and cheap: it runs on the hot path. Until
 * one is installed nothing is revoked.
 */
export type SessionRevocationCheck = (claims: AccessTokenClaims) => boolean

export interface AccessTokens {
  sign (subject: AccessTokenSubject): SignedAccessToken
  /**
   * The token's claims, frozen; throws TokenInvalidError, TokenExpiredError past `exp` (+ leeway), or
   * SessionEndedError for a valid token of an ended session.
   */
  verify (token: string): AccessTokenClaims
  /** Installs the session-revocation hook (see SessionRevocationCheck). */
  setSessionRevocationCheck (check: SessionRevocationCheck): void
}

export interface AccessTokensOptions {
  keyRing: KeyRing
  config: AccessTokenConfig
  /** ms since the epoch. */
  now: () => number
  cacheSize?: number
}

// Header segments that passed checkedKid in a token whose signature then held, with their kid. One
// key signs one header string, so most verifications skip decoding it again; no one else can get
// a header kept, so a few slots are plenty.
const MAX_VERIFIED_HEADERS = 16

/**
 * Signs and verifies access tokens with the ring's keys. A verified token is remembered until its
 * exp (+ leeway), and everything remembered is dropped when the ring's version changes, so a token
 * whose kid was removed fails even if it verified a moment before.
 */
export function createAccessTokens (options: AccessTokensOptions): AccessTokens {
  const { keyRing, config, now } = options
  const verified = createVerifiedTokenCache(options.cacheSize ?? DEFAULT_VERIFIED_CACHE_SIZE, now)
  const verifiedHeaders = new Map<string, string>()
  let signer: { version: number, sign: (claims: AccessTokenClaims) => string } | undefined
  let ringVersion = keyRing.version
  let isSessionRevoked: SessionRevocationCheck = () => false

  function followRing (): void {
    if (keyRing.version === ringVersion) return
    verified.clear()
    verifiedHeaders.clear()
    ringVersion = keyRing.version
  }

  function verifyUncached (token: string): AccessTokenClaims {
    if (!isCompactJws(token)) throw invalidToken('not a compact JWS')
    const headerEnd = token.indexOf('.')
    const signingInputEnd = token.lastIndexOf('.')
    if (!hasCanonicalSegments(token, headerEnd, signingInputEnd)) throw invalidToken('not canonical base64url')
    const header = token.slice(0, headerEnd)
    const knownKid = verifiedHeaders.get(header)
    const kid = knownKid ?? checkedKid(decodedSegment(header, 'header'), keyRing.alg)
    const check = keyRing.signatureCheck(kid)
    if (check === undefined) throw invalidToken('unknown kid')
    if (!hasValidSignature(check, token, signingInputEnd)) throw invalidToken('bad signature')
    if (knownKid === undefined && verifiedHeaders.size < MAX_VERIFIED_HEADERS) verifiedHeaders.set(header, kid)
    return checkedClaims(decodedSegment(token.slice(headerEnd + 1, signingInputEnd), 'payload'), config, now())
  }

  return {
    sign (subject) {
      followRing()
      if (signer?.version !== ringVersion) {
        signer = { version: ringVersion, sign: jwsSigner(accessTokenHeader(keyRing.alg, keyRing.signingKid), keyRing.signatureMaker()) }
      }
      const claims = accessTokenClaims(subject, config, now())
      return { token: signer.sign(claims), expiresIn: config.accessTokenTtl, claims }
    },

    verify (token) {
      if (typeof token !== 'string' || token.length > MAX_ACCESS_TOKEN_LENGTH) throw invalidToken('too long')
      followRing()
      const key = verifiedCacheKey(token)
      let claims = verified.lookup(key, token)
      if (claims === undefined) {
        claims = verifyUncached(token)
        verified.remember(key, token, claims)
      }
      // After verification: a forged or expired token gets its own answer, whatever its sid says.
      if (isSessionRevoked(claims)) throw new SessionEndedError()
      return claims
    },

    setSessionRevocationCheck (check) {
      isSessionRevoked = check
    }
  }
}

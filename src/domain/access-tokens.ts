// Access tokens (../shared/CONTRACT.md, "Access tokens"; RFC 9068 JWT profile): what they hold, how
// they are signed, and the one verification path every bearer route goes through.
//
// Who does what: signing and verification are done here with node:crypto, and Ed25519 with libsodium
// where its addon loads (./ed25519.ts: half the CPU of OpenSSL's, same signatures) (issue 6). Signing
// makes the header segment and key object once per key, then one crypto call per token; fast-jwt's
// signer, used before, spent about 15 µs more per token on generic claim handling and base64
// conversions. Verification runs in the contract's order: strict compact form, header rules before
// any key is chosen, the signature with a key object made once per kid, then claim types and
// values, then times against the injected clock (tests and replays move it). fast-jwt's verifier
// did the same checks but decoded the header a second time and ran generic claim machinery we
// switch off.
// @fastify/jwt is deliberately not registered: its request.jwtVerify would be a second, weaker
// verification path, and its signer is bound to one key at registration, so reload() could not rotate it.
import {
  constants, createHmac, createPrivateKey, createPublicKey, createSecretKey, randomUUID, sign as signBytes, timingSafeEqual,
  verify as verifySignature, type KeyObject
} from 'node:crypto'
import type { Config, JwtAlgorithm } from '../config.js'
import { TokenExpiredError, TokenInvalidError } from '../errors.js'
import { ed25519 } from './ed25519.js'
import type { JwtKey, KeyRing } from './keys.js'

/** The `typ` header of every access token (RFC 9068 §2.1), compared exactly. */
export const ACCESS_TOKEN_TYP = 'at+jwt'
/** The contract's clock leeway: at most 5 seconds, on exp, nbf and iat alike. */
export const CLOCK_LEEWAY_MS = 5_000
/** Longer tokens are refused before any parsing (ours are well under 1 kB). */
export const MAX_ACCESS_TOKEN_LENGTH = 8 * 1024
/** Verified tokens kept by default; each entry is the token string and its frozen claims. */
export const DEFAULT_VERIFIED_CACHE_SIZE = 10_000

export interface AccessTokenClaims {
  iss: string
  aud: string
  /** The user id (never the username). */
  sub: string
  iat: number
  nbf: number
  exp: number
  jti: string
  /** The session id. */
  sid: string
  /** Space-separated scopes. */
  scope: string
}

export interface AccessTokenSubject {
  userId: string
  sessionId: string
  scope: string
}

export interface SignedAccessToken {
  token: string
  /** Seconds until `exp` (ACCESS_TOKEN_TTL), as the login and refresh bodies answer it. */
  expiresIn: number
  claims: AccessTokenClaims
}

/**
 * Decides, on every verification (cached or not), whether the token's session has ended. The later
 * revocation issue plugs in a check fed by AuthStore.onSessionEnded; until then nothing is revoked.
 * Must be synchronous and cheap: it runs on the hot path.
 */
export type SessionRevocationCheck = (claims: AccessTokenClaims) => boolean

export interface AccessTokens {
  sign (subject: AccessTokenSubject): SignedAccessToken
  /** The token's claims, frozen; throws TokenInvalidError, or TokenExpiredError past `exp` (+ leeway). */
  verify (token: string): AccessTokenClaims
  /** Installs the session-revocation hook (see SessionRevocationCheck). */
  setSessionRevocationCheck (check: SessionRevocationCheck): void
}

export interface AccessTokensOptions {
  keyRing: KeyRing
  config: Pick<Config, 'jwtIssuer' | 'jwtAudience' | 'accessTokenTtl'>
  /** ms since the epoch. */
  now: () => number
  cacheSize?: number
}

type AccessTokenConfig = AccessTokensOptions['config']

interface VerifiedEntry {
  token: string
  claims: AccessTokenClaims
  /** exp + leeway, in ms: from then on the entry answers TokenExpiredError. */
  expiredAtMs: number
  /** Insertion order, for the LRU approximation in createAccessTokens. */
  touched: number
}

// The cache is keyed by a number read from 5 signature characters (30 random bits for every
// algorithm; the very last character is skipped, part of it is padding): a small integer is hashed
// at once, where a string key is hashed afresh for every request. Two tokens with the same key take
// turns in the cache; an entry answers only a token equal to the one it verified.
const CACHE_KEY_CHARS = 5
const BASE64URL_VALUES = new Uint8Array(128)
for (const [value, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL_VALUES[char.charCodeAt(0)] = value

function cacheKey (token: string): number {
  let key = 0
  // `& 127` keeps every read inside the table; a character outside base64url fails verification anyway.
  for (let i = token.length - 1 - CACHE_KEY_CHARS; i < token.length - 1; i++) key = key * 64 + (BASE64URL_VALUES[token.charCodeAt(i) & 127] as number)
  return key
}

// Header segments that passed checkedKid in a token whose signature then held, with their kid. One
// key signs one header string, so most verifications skip decoding it again; no one else can get
// a header kept, so a few slots are plenty.
const MAX_VERIFIED_HEADERS = 16

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

function invalid (reason: string): InstanceType<typeof TokenInvalidError> {
  return new TokenInvalidError({ cause: new Error(reason) })
}

// Three non-empty segments of the base64url alphabet only: Buffer's decoder would silently skip
// anything else (RFC 7515 §7.1, RFC 4648 §3.3), accepting tokens that are not what was signed.
const JWS_SEGMENTS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
// Headers that would let a token choose its own verification key (RFC 8725 §3.10, §2.6).
const KEY_SOURCE_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const
const STRING_CLAIMS = ['sub', 'sid', 'jti', 'scope'] as const
const TIME_CLAIMS = ['iat', 'nbf', 'exp'] as const

/** One segment's JSON, which must be an object (RFC 7515 §4, RFC 7519 §7.2 step 10). */
function decodedObject (segment: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    throw invalid(`${what} is not JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${what} is not an object`)
  return value as Record<string, unknown>
}

/** The header's kid if the header obeys every rule; throws TokenInvalidError otherwise. */
function checkedKid (header: Record<string, unknown>, alg: string): string {
  // Exact, case-sensitive: "none", "None", another family and a public key used as an HMAC secret all fail here.
  if (header.alg !== alg) throw invalid('alg is not JWT_ALG')
  if (header.typ !== ACCESS_TOKEN_TYP) throw invalid('typ is not at+jwt')
  // RFC 7515 §4.1.11: we understand no extension, so any crit must be refused.
  if (Object.hasOwn(header, 'crit')) throw invalid('crit header')
  for (const name of KEY_SOURCE_HEADERS) if (Object.hasOwn(header, name)) throw invalid(`${name} header`)
  if (typeof header.kid !== 'string') throw invalid('kid missing')
  return header.kid
}

/** Whether `signature` is the JWS signature of `signingInput` (RFC 7515 §5.2 step 8). */
type SignatureCheck = (signingInput: string, signature: Buffer) => boolean

// RFC 7518 §3: the one algorithm of JWT_ALG, with a key object made once per kid.
function signatureCheck (alg: JwtAlgorithm, key: JwtKey['key']): SignatureCheck {
  if (alg === 'HS256') {
    const secret = createSecretKey(Buffer.from(key))
    // §3.2: compared in constant time; timingSafeEqual needs equal lengths, so check that first.
    return (input, signature) => signature.length === 32 && timingSafeEqual(createHmac('sha256', secret).update(input, 'latin1').digest(), signature)
  }
  const publicKey: KeyObject = createPublicKey(key)
  // RFC 8037 §3.1: Ed25519 signs the input itself, no digest named.
  if (alg === 'EdDSA') {
    const verifyEd25519 = ed25519.verifier(publicKey)
    return (input, signature) => verifyEd25519(Buffer.from(input, 'latin1'), signature)
  }
  // §3.4: R and S as 32 big-endian bytes each, not DER.
  if (alg === 'ES256') {
    const es256 = { key: publicKey, dsaEncoding: 'ieee-p1363' } as const
    return (input, signature) => signature.length === 64 && verifySignature('sha256', Buffer.from(input, 'latin1'), es256, signature)
  }
  // §3.3: RSASSA-PKCS1-v1_5 with SHA-256.
  const rs256 = { key: publicKey, padding: constants.RSA_PKCS1_PADDING }
  return (input, signature) => verifySignature('sha256', Buffer.from(input, 'latin1'), rs256, signature)
}

/** Makes the JWS signature of a signing input (RFC 7515 §5.1 step 5). */
type SignatureMaker = (signingInput: string) => Buffer

// The signing side of signatureCheck: the same algorithms, encodings and padding. Signing stays on
// the event loop: node:crypto's callback form would move a signature (20-35 µs) to libuv's
// pool, but handing it over and back cost more CPU than it saved on this kind of machine (2 vCPUs,
// A/B in the issue 6 note). Batching did not change that: a worker_thread signing with libsodium,
// one message per event-loop turn (12 signatures each under the bench's refresh load), cost the
// event loop more per refresh than signing itself (304 vs 288 µs, issue 6 note of 2026-11-30).
function signatureMaker (alg: JwtAlgorithm, key: JwtKey['key']): SignatureMaker {
  if (alg === 'HS256') {
    const secret = createSecretKey(Buffer.from(key))
    return (input) => createHmac('sha256', secret).update(input, 'latin1').digest()
  }
  const privateKey = createPrivateKey(key)
  if (alg === 'EdDSA') {
    const signEd25519 = ed25519.signer(privateKey)
    return (input) => signEd25519(Buffer.from(input, 'latin1'))
  }
  if (alg === 'ES256') {
    const es256 = { key: privateKey, dsaEncoding: 'ieee-p1363' } as const
    return (input) => signBytes('sha256', Buffer.from(input, 'latin1'), es256)
  }
  const rs256 = { key: privateKey, padding: constants.RSA_PKCS1_PADDING }
  return (input) => signBytes('sha256', Buffer.from(input, 'latin1'), rs256)
}

/** Compact JWS of the claims under one key: `header.payload.signature`, each base64url (RFC 7515 §7.1). */
function jwsSigner (alg: JwtAlgorithm, { kid, key }: JwtKey): (claims: AccessTokenClaims) => string {
  const headerSegment = Buffer.from(JSON.stringify({ alg, typ: ACCESS_TOKEN_TYP, kid })).toString('base64url')
  const makeSignature = signatureMaker(alg, key)
  return (claims) => {
    const signingInput = `${headerSegment}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    return `${signingInput}.${makeSignature(signingInput).toString('base64url')}`
  }
}

/** Checks the authenticated payload; returns exactly the contract's claims. */
function checkedClaims (payload: Record<string, unknown>, config: AccessTokenConfig, now: number): AccessTokenClaims {
  // Exact strings: an `aud` array is refused even if it holds our audience (the contract says exact).
  if (payload.iss !== config.jwtIssuer) throw invalid('iss mismatch')
  if (payload.aud !== config.jwtAudience) throw invalid('aud mismatch')
  for (const claim of STRING_CLAIMS) {
    const value = payload[claim]
    if (typeof value !== 'string' || value === '') throw invalid(`${claim} missing or not a non-empty string`)
  }
  for (const claim of TIME_CLAIMS) {
    // JSON.parse turns 1e999 into Infinity: a token that would never expire.
    if (!Number.isFinite(payload[claim])) throw invalid(`${claim} missing or not a number`)
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
  if (claims.nbf * 1000 - CLOCK_LEEWAY_MS > now) throw invalid('nbf in the future')
  if (claims.iat * 1000 - CLOCK_LEEWAY_MS > now) throw invalid('iat in the future')
  if (now >= claims.exp * 1000 + CLOCK_LEEWAY_MS) throw new TokenExpiredError()
  return claims
}

/**
 * Signs and verifies access tokens with the ring's keys. Verified tokens are remembered so a repeat
 * costs one Map lookup, one string comparison and one clock comparison; an entry stops answering at
 * the token's exp (+ leeway), and the whole cache is dropped when the ring's version changes, so a
 * token whose kid was removed fails even if it verified a moment before.
 */
export function createAccessTokens (options: AccessTokensOptions): AccessTokens {
  const { keyRing, config, now } = options
  const cacheSize = options.cacheSize ?? DEFAULT_VERIFIED_CACHE_SIZE
  const verified = new Map<number, VerifiedEntry>()
  let touches = 0
  // Eviction walks one long-lived iterator, which always stands at the oldest entry (Map iterators
  // follow deletions and insertions). A fresh keys().next() for each eviction would step over every
  // slot the earlier evictions left empty until V8 rehashes: about 6 µs per cold verification at
  // 10,000 entries (issue 6).
  let oldestFirst: Iterator<number> | undefined
  const verifiedHeaders = new Map<string, string>()
  const signatureChecks = new Map<string, SignatureCheck>()
  let signer: { version: number, sign: (payload: AccessTokenClaims) => string } | undefined
  let ringVersion = keyRing.version
  let isSessionRevoked: SessionRevocationCheck = () => false

  function followRing (): void {
    if (keyRing.version === ringVersion) return
    verified.clear()
    oldestFirst = undefined
    verifiedHeaders.clear()
    signatureChecks.clear()
    ringVersion = keyRing.version
  }

  function signatureCheckFor (kid: string): SignatureCheck | undefined {
    let check = signatureChecks.get(kid)
    if (check === undefined) {
      const key = keyRing.verificationKey(kid)
      if (key === undefined) return undefined
      check = signatureCheck(keyRing.alg, key.key)
      signatureChecks.set(kid, check)
    }
    return check
  }

  function remember (index: number, token: string, claims: AccessTokenClaims): void {
    if (verified.size >= cacheSize && !verified.has(index)) {
      oldestFirst ??= verified.keys()
      let oldest = oldestFirst.next()
      if (oldest.done === true) {
        // An iterator that reached the end stays done: start a new one.
        oldestFirst = verified.keys()
        oldest = oldestFirst.next()
      }
      if (oldest.done !== true) verified.delete(oldest.value)
    }
    verified.set(index, { token, claims, expiredAtMs: claims.exp * 1000 + CLOCK_LEEWAY_MS, touched: ++touches })
  }

  // Approximate LRU: a hit re-inserts its entry (moving it to the young end of the Map's order) only
  // once it has aged past half the cache, so a steady stream of hits on one token costs no writes,
  // and a token used at least once per cacheSize / 2 insertions is never evicted.
  function touch (index: number, entry: VerifiedEntry): void {
    if (touches - entry.touched <= cacheSize >> 1) return
    verified.delete(index)
    entry.touched = ++touches
    verified.set(index, entry)
  }

  // RFC 7515 §5.2 in the contract's order; the payload is not looked at until the signature holds.
  function verifyUncached (token: string): AccessTokenClaims {
    if (!JWS_SEGMENTS.test(token)) throw invalid('not a compact JWS')
    const headerEnd = token.indexOf('.')
    const signingInputEnd = token.lastIndexOf('.')
    const header = token.slice(0, headerEnd)
    const knownKid = verifiedHeaders.get(header)
    const kid = knownKid ?? checkedKid(decodedObject(header, 'header'), keyRing.alg)
    const check = signatureCheckFor(kid)
    if (check === undefined) throw invalid('unknown kid')
    let authentic: boolean
    try {
      // The regex above leaves only ASCII, so latin1 gives the signing input's exact bytes.
      authentic = check(token.slice(0, signingInputEnd), Buffer.from(token.slice(signingInputEnd + 1), 'base64url'))
    } catch (error) {
      throw new TokenInvalidError({ cause: error })
    }
    if (!authentic) throw invalid('bad signature')
    if (knownKid === undefined && verifiedHeaders.size < MAX_VERIFIED_HEADERS) verifiedHeaders.set(header, kid)
    return checkedClaims(decodedObject(token.slice(headerEnd + 1, signingInputEnd), 'payload'), config, now())
  }

  return {
    sign (subject) {
      followRing()
      if (signer?.version !== ringVersion) signer = { version: ringVersion, sign: jwsSigner(keyRing.alg, keyRing.signingKey) }
      const claims = accessTokenClaims(subject, config, now())
      return { token: signer.sign(claims), expiresIn: config.accessTokenTtl, claims }
    },

    verify (token) {
      if (typeof token !== 'string' || token.length > MAX_ACCESS_TOKEN_LENGTH) throw invalid('too long')
      followRing()
      const index = cacheKey(token)
      const entry = verified.get(index)
      let claims: AccessTokenClaims
      if (entry !== undefined && entry.token === token) {
        if (now() >= entry.expiredAtMs) {
          verified.delete(index)
          throw new TokenExpiredError()
        }
        touch(index, entry)
        claims = entry.claims
      } else {
        claims = verifyUncached(token)
        remember(index, token, claims)
      }
      if (isSessionRevoked(claims)) throw invalid('session ended')
      return claims
    },

    setSessionRevocationCheck (check) {
      isSessionRevoked = check
    }
  }
}

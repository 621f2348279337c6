// Compact JWS (RFC 7515 §7.1): `header.payload.signature`, each segment base64url, signed under one
// of the four algorithms JWT_ALG may name (RFC 7518 §3, RFC 8037 §3.1). Nothing here knows what
// the header and payload must say (access-token-rules.ts) nor which keys exist (keys.ts).
// Key objects are made once per key, so signing or checking a token is one crypto call.
import {
  constants, createHmac, createPrivateKey, createPublicKey, createSecretKey, sign as signBytes, timingSafeEqual,
  verify as verifySignature, type KeyObject
} from 'node:crypto'
import type { JwtAlgorithm } from '../config.js'
import { TokenInvalidError } from '../errors.js'
import { ed25519 } from '../runtime/ed25519.js'
import { isCanonicalBase64url } from './base64url.js'

/** A key as node:crypto takes it: a PEM string (PKCS8 to sign, SPKI to verify), or HS256 secret bytes. */
export type JwsKeyMaterial = string | Buffer

/** Whether `signature` is the JWS signature of `signingInput` (RFC 7515 §5.2 step 8). */
export type SignatureCheck = (signingInput: string, signature: Buffer) => boolean

/** Makes the JWS signature of a signing input (RFC 7515 §5.1 step 5). */
export type SignatureMaker = (signingInput: string) => Buffer

/** A TokenInvalidError whose cause says what was wrong (logged, never answered). */
export function invalidToken (reason: string): InstanceType<typeof TokenInvalidError> {
  return new TokenInvalidError({ cause: new Error(reason) })
}

// Three non-empty segments of the base64url alphabet only: Buffer's decoder would silently skip
// anything else (RFC 7515 §7.1, RFC 4648 §3.3), accepting tokens that are not what was signed.
const JWS_SEGMENTS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/** Whether `token` has the compact form: three non-empty base64url segments joined by dots. */
export function isCompactJws (token: string): boolean {
  return JWS_SEGMENTS.test(token)
}

/**
 * Whether the three segments of compact JWS `token` (dots at `headerEnd` and `signingInputEnd`) are
 * each canonical base64url, so the token has one spelling. The signature's other spellings would
 * decode to the same bytes and verify; the header's and payload's are signed as written, so only
 * the key holder could make them, and we never do.
 */
export function hasCanonicalSegments (token: string, headerEnd: number, signingInputEnd: number): boolean {
  return isCanonicalBase64url(token, 0, headerEnd) &&
    isCanonicalBase64url(token, headerEnd + 1, signingInputEnd) &&
    isCanonicalBase64url(token, signingInputEnd + 1, token.length)
}

/** One segment's JSON, which must be an object (RFC 7515 §4, RFC 7519 §7.2 step 10). */
export function decodedSegment (segment: string, what: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    throw invalidToken(`${what} is not JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidToken(`${what} is not an object`)
  return value as Record<string, unknown>
}

/**
 * Whether the signature segment of `token` (after `signingInputEnd`, its last dot) signs what comes
 * before it. A key that cannot check the signature at all is a TokenInvalidError too.
 */
export function hasValidSignature (check: SignatureCheck, token: string, signingInputEnd: number): boolean {
  try {
    // isCompactJws leaves only ASCII, so latin1 gives the signing input's exact bytes.
    return check(token.slice(0, signingInputEnd), Buffer.from(token.slice(signingInputEnd + 1), 'base64url'))
  } catch (error) {
    throw new TokenInvalidError({ cause: error })
  }
}

// ECDSA signatures are malleable: if (r, s) verifies, so does (r, n − s). So that an ES256 token has
// one spelling, only the low form (s ≤ ⌊n/2⌋, as BIP 62 and libsecp256k1 require) is accepted, and
// every signature made here is brought to it.
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')
const P256_HALF_ORDER = Buffer.from('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8', 'hex')

/** Whether the S half of a 64-byte ES256 signature is at most ⌊n/2⌋. */
function isLowS (signature: Buffer): boolean {
  return P256_HALF_ORDER.compare(signature, 32, 64) >= 0
}

/** `signature` with S replaced by n − S when S is high, in place: the same signature's low form. */
function withLowS (signature: Buffer): Buffer {
  if (isLowS(signature)) return signature
  let borrow = 0
  for (let i = 31; i >= 0; i--) {
    const difference = (P256_ORDER[i] as number) - (signature[32 + i] as number) - borrow
    borrow = difference < 0 ? 1 : 0
    signature[32 + i] = difference + 256 * borrow
  }
  return signature
}

// RFC 7518 §3: the one algorithm of JWT_ALG, with a key object made once per key.
export function signatureCheck (alg: JwtAlgorithm, key: JwsKeyMaterial): SignatureCheck {
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
  // §3.4: R and S as 32 big-endian bytes each, not DER; and S in its low form only (see isLowS).
  if (alg === 'ES256') {
    const es256 = { key: publicKey, dsaEncoding: 'ieee-p1363' } as const
    return (input, signature) => signature.length === 64 && isLowS(signature) && verifySignature('sha256', Buffer.from(input, 'latin1'), es256, signature)
  }
  // §3.3: RSASSA-PKCS1-v1_5 with SHA-256.
  const rs256 = { key: publicKey, padding: constants.RSA_PKCS1_PADDING }
  return (input, signature) => verifySignature('sha256', Buffer.from(input, 'latin1'), rs256, signature)
}

// The signing side of signatureCheck: the same algorithms, encodings and padding. Signing stays on
// the event loop: a signature costs tens of microseconds, less than handing it to another thread
// and back.
export function signatureMaker (alg: JwtAlgorithm, key: JwsKeyMaterial): SignatureMaker {
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
    return (input) => withLowS(signBytes('sha256', Buffer.from(input, 'latin1'), es256))
  }
  const rs256 = { key: privateKey, padding: constants.RSA_PKCS1_PADDING }
  return (input) => signBytes('sha256', Buffer.from(input, 'latin1'), rs256)
}

/**
 * Compact JWS of JSON payloads under one header: the header segment is encoded once, then each
 * payload costs one JSON.stringify, one base64url encoding and one signature.
 */
export function jwsSigner (header: Record<string, unknown>, makeSignature: SignatureMaker): (payload: object) => string {
  const headerSegment = Buffer.from(JSON.stringify(header)).toString('base64url')
  return (payload) => {
    const signingInput = `${headerSegment}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`
    return `${signingInput}.${makeSignature(signingInput).toString('base64url')}`
  }
}

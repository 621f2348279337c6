// Refresh tokens: opaque, 256 random bits, never a JWT (docs/http-api.md, "Refresh token transport").
//
// Layout (89 bytes, base64url after the "rt_" prefix that secret scanners can match):
//   version(1) | macKeyTag(4) | userId(16) | sessionId(16) | generation(4, BE) | secret(32) | mac(16)
// - userId/sessionId name the session's keys, so a refresh is one store round trip.
// - generation counts rotations; with the MAC it lets the store tell a genuine spent token (lower
//   generation: reuse, end the session) from a forgery naming a real session (invalid, harmless),
//   with constant storage per session however many rotations happen.
// - mac = HMAC-SHA256 under a key derived from a JWT key (src/domain/keys.ts), so forged tokens are
//   refused without touching the store, and tokens keep working while their key stays configured.
// The store keeps hash(token) only. The grace successor is kept as `box` = successor secret XOR
// SHA-256("box" ‖ presented token): only someone presenting the just-spent token can open it, and
// the store alone can read back no token.
import { createHmac, hash, timingSafeEqual } from 'node:crypto'
import { pooledRandomBytes } from '../runtime/random-pool.js'
import { isCanonicalBase64url } from './base64url.js'

const PREFIX = 'rt_'
const VERSION = 1
const ID_BYTES = 16
const SECRET_BYTES = 32
const MAC_BYTES = 16
const SIGNED_BYTES = 1 + 4 + ID_BYTES + ID_BYTES + 4 + SECRET_BYTES
const TOKEN_BYTES = SIGNED_BYTES + MAC_BYTES
/** Longest string worth decoding; anything longer is not one of ours. */
export const REFRESH_TOKEN_MAX_LENGTH = PREFIX.length + Math.ceil(TOKEN_BYTES * 4 / 3)
// The prefix, then base64url characters only: Buffer's decoder would also take '+', '/' and '=',
// and skip anything else, giving one token several spellings (docs/http-api.md: one spelling).
const TOKEN_SHAPE = new RegExp(`^${PREFIX}[A-Za-z0-9_-]{${REFRESH_TOKEN_MAX_LENGTH - PREFIX.length}}$`)

/** The MAC keys a key ring offers (src/domain/keys.ts). */
export interface RefreshMacKeys {
  refreshMacKey (tag: Buffer): Buffer | undefined
  currentRefreshMac (): { tag: Buffer, key: Buffer }
}

export interface MintedRefreshToken {
  token: string
  /** What the store keeps: base64url of the first 128 bits of a domain-separated SHA-256. */
  hash: string
  secret: Buffer
}

export interface PresentedRefreshToken {
  userId: string
  sessionId: string
  generation: number
  hash: string
  /** Opens the grace successor sealed against this token. */
  boxKey: Buffer
  /** userId then sessionId as the token holds them (32 bytes): a successor copies them as they are. */
  idBytes: Buffer
}

/** A new random id: base64url of 16 random bytes (22 characters). */
export function newId (): string {
  return pooledRandomBytes(ID_BYTES).toString('base64url')
}

function idBytes (id: string): Buffer {
  const bytes = Buffer.from(id, 'base64url')
  if (bytes.length !== ID_BYTES || bytes.toString('base64url') !== id) throw new TypeError('not a Rotor id')
  return bytes
}

// SHA-256(label ‖ token) in one call: the label sits at the start of a buffer kept for it and the
// token is copied in after it (synchronous, so one buffer per label serves every call).
function labelledDigest (label: string): (token: Buffer) => Buffer {
  const input = Buffer.alloc(label.length + TOKEN_BYTES)
  input.write(label, 'latin1')
  return (token) => {
    token.copy(input, label.length)
    return hash('sha256', input, 'buffer')
  }
}

const hashDigest = labelledDigest('rotor/refresh-hash\0')
const boxKeyDigest = labelledDigest('rotor/refresh-box\0')

function tokenHash (token: Buffer): string {
  return hashDigest(token).subarray(0, 16).toString('base64url')
}

function mac (key: Buffer, signed: Buffer): Buffer {
  return createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES)
}

export function mintRefreshToken (
  keys: RefreshMacKeys,
  session: { userId: string, sessionId: string, generation: number },
  secret: Buffer = pooledRandomBytes(SECRET_BYTES)
): MintedRefreshToken {
  const ids = Buffer.allocUnsafe(2 * ID_BYTES)
  idBytes(session.userId).copy(ids, 0)
  idBytes(session.sessionId).copy(ids, ID_BYTES)
  return mintWithIds(keys, ids, session.generation, secret)
}

/**
 * The token of `presented`'s session at `generation`: the ids are copied from the presented token
 * (already authenticated) instead of being decoded again from their text.
 */
export function mintSuccessor (
  keys: RefreshMacKeys,
  presented: PresentedRefreshToken,
  generation: number,
  secret: Buffer = pooledRandomBytes(SECRET_BYTES)
): MintedRefreshToken {
  return mintWithIds(keys, presented.idBytes, generation, secret)
}

function mintWithIds (keys: RefreshMacKeys, ids: Buffer, generation: number, secret: Buffer): MintedRefreshToken {
  const { tag, key } = keys.currentRefreshMac()
  if (secret.length !== SECRET_BYTES || tag.length < 4 || ids.length !== 2 * ID_BYTES) {
    throw new TypeError('a refresh token needs a 32-byte secret, a 4-byte key tag and two 16-byte ids')
  }
  // From Buffer's shared pool (no allocation of its own): every byte is written below.
  const bytes = Buffer.allocUnsafe(TOKEN_BYTES)
  bytes[0] = VERSION
  tag.copy(bytes, 1, 0, 4)
  ids.copy(bytes, 5)
  bytes.writeUInt32BE(generation, 5 + 2 * ID_BYTES)
  secret.copy(bytes, 9 + 2 * ID_BYTES)
  mac(key, bytes.subarray(0, SIGNED_BYTES)).copy(bytes, SIGNED_BYTES)
  return { token: PREFIX + bytes.toString('base64url'), hash: tokenHash(bytes), secret }
}

/** Decodes and authenticates a presented token; null for anything we did not mint. */
export function readRefreshToken (keys: RefreshMacKeys, token: string): PresentedRefreshToken | null {
  if (!TOKEN_SHAPE.test(token) || !isCanonicalBase64url(token, PREFIX.length, token.length)) return null
  const bytes = Buffer.from(token.slice(PREFIX.length), 'base64url')
  if (bytes.length !== TOKEN_BYTES || bytes[0] !== VERSION) return null
  const key = keys.refreshMacKey(bytes.subarray(1, 5))
  if (key === undefined) return null
  if (!timingSafeEqual(mac(key, bytes.subarray(0, SIGNED_BYTES)), bytes.subarray(SIGNED_BYTES))) return null
  return {
    userId: bytes.subarray(5, 5 + ID_BYTES).toString('base64url'),
    sessionId: bytes.subarray(5 + ID_BYTES, 5 + 2 * ID_BYTES).toString('base64url'),
    generation: bytes.readUInt32BE(5 + 2 * ID_BYTES),
    hash: tokenHash(bytes),
    boxKey: boxKeyDigest(bytes),
    idBytes: bytes.subarray(5, 5 + 2 * ID_BYTES)
  }
}

function xor (a: Buffer, b: Buffer): Buffer {
  // Every byte is written below, so the pool's leftovers never show.
  const out = Buffer.allocUnsafe(SECRET_BYTES)
  for (let i = 0; i < SECRET_BYTES; i++) out[i] = (a[i] as number) ^ (b[i] as number)
  return out
}

/** Masks a successor's secret with the presented token's box key, for the store to keep. */
export function sealSuccessor (secret: Buffer, boxKey: Buffer): string {
  return xor(secret, boxKey).toString('base64url')
}

export function openSuccessor (box: string, boxKey: Buffer): Buffer {
  return xor(Buffer.from(box, 'base64url'), boxKey)
}

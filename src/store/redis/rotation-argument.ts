// The one argument of rotate-refresh-token.lua: every value of a rotation packed into one binary
// string that the script reads with a single struct.unpack (ROTATION_FORMAT there; the layouts must
// match). A refresh is the server's hottest store call, and seventeen arguments cost more than their
// bytes: ioredis frames, measures and copies each one, Redis allocates a string for each, and the
// three binary ones had to be decoded into Buffers of their own first.
import type { RotateRefreshTokenInput } from '../types.js'

const HASH_BYTES = 16
const BOX_BYTES = 32
const DOUBLE_BYTES = 8
// generation, then now, idleTtlMs, graceMs, deadlineMs, windowMs, maxHits, untilOffset, trimMarginMs.
const NUMBER_FIELDS = 9
const FIXED_BYTES = NUMBER_FIELDS * DOUBLE_BYTES + 2 * HASH_BYTES + BOX_BYTES
const MAX_STRING_BYTES = 0xffff

/** What a rotation takes about revocations (RevocationSink.args): sinkKind, untilOffset, trimMarginMs. */
export type RotationRevocationArgs = readonly [string, number, number]

function writeBytes (out: Buffer, base64url: string, offset: number, size: number, name: string): number {
  // At most `size` bytes are written; fewer means the value is not one of ours.
  if (out.write(base64url, offset, size, 'base64url') !== size) throw new TypeError(`${name} must be ${size} bytes of base64url`)
  return offset + size
}

function writeString (out: Buffer, value: string, length: number, offset: number): number {
  out.writeUInt16LE(length, offset)
  return offset + 2 + out.write(value, offset + 2, length, 'utf8')
}

/**
 * Packs `input` for rotate-refresh-token.lua, little-endian: doubles for the numbers (exact for
 * every integer a JS number holds), the hashes and box as raw bytes, then the strings each after
 * its 16-bit byte length. A missing counter is packed as window and max 0 (the script reads them
 * only when given a counter key).
 */
export function packRotation (input: RotateRefreshTokenInput, revocations: RotationRevocationArgs, deadlineMs: number): Buffer {
  const [sinkKind, untilOffset, trimMarginMs] = revocations
  const { userId, sessionId, ip, userAgent } = input
  const sinkKindBytes = Buffer.byteLength(sinkKind)
  const userIdBytes = Buffer.byteLength(userId)
  const sessionIdBytes = Buffer.byteLength(sessionId)
  const ipBytes = Buffer.byteLength(ip)
  const userAgentBytes = Buffer.byteLength(userAgent)
  if (Math.max(sinkKindBytes, userIdBytes, sessionIdBytes, ipBytes, userAgentBytes) > MAX_STRING_BYTES) {
    throw new TypeError(`a rotation's strings are at most ${MAX_STRING_BYTES} bytes`)
  }
  // Every byte is written below, so the pool's leftovers never reach Redis.
  const out = Buffer.allocUnsafe(FIXED_BYTES + 10 + sinkKindBytes + userIdBytes + sessionIdBytes + ipBytes + userAgentBytes)
  let offset = out.writeDoubleLE(input.generation, 0)
  offset = writeBytes(out, input.presentedHash, offset, HASH_BYTES, 'presentedHash')
  offset = writeBytes(out, input.successorHash, offset, HASH_BYTES, 'successorHash')
  offset = writeBytes(out, input.successorBox, offset, BOX_BYTES, 'successorBox')
  offset = out.writeDoubleLE(input.now, offset)
  offset = out.writeDoubleLE(input.idleTtlMs, offset)
  offset = out.writeDoubleLE(input.graceMs, offset)
  offset = out.writeDoubleLE(deadlineMs, offset)
  offset = out.writeDoubleLE(input.counter?.windowMs ?? 0, offset)
  offset = out.writeDoubleLE(input.counter?.max ?? 0, offset)
  offset = out.writeDoubleLE(untilOffset, offset)
  offset = out.writeDoubleLE(trimMarginMs, offset)
  offset = writeString(out, sinkKind, sinkKindBytes, offset)
  offset = writeString(out, userId, userIdBytes, offset)
  offset = writeString(out, sessionId, sessionIdBytes, offset)
  offset = writeString(out, ip, ipBytes, offset)
  writeString(out, userAgent, userAgentBytes, offset)
  return out
}

// Random bytes drawn from the CSPRNG in blocks: each randomBytes() call is a trip into OpenSSL's
// generator that costs more than the few bytes a refresh needs (Node pools randomUUID() the same
// way). Every byte is handed out once, a refill puts a new buffer in place (earlier slices keep the
// old one), and nothing but the callers sees the pool.
import { randomFillSync } from 'node:crypto'

const POOL_BYTES = 4096

let pool = Buffer.alloc(0)
let offset = 0

/** `size` (≤ 4096) bytes from the CSPRNG that no other call received. */
export function pooledRandomBytes (size: number): Buffer {
  if (!Number.isInteger(size) || size <= 0 || size > POOL_BYTES) throw new RangeError(`pooledRandomBytes takes 1 to ${POOL_BYTES} bytes, not ${size}`)
  if (offset + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES))
    offset = 0
  }
  const bytes = pool.subarray(offset, offset + size)
  offset += size
  return bytes
}

// Reads a session record as src/store/lua/lib/session-record.lua packs it, for tests that inspect
// Redis directly (a struct.pack format string '<I4I6I6I6c16c16c32Hc0Hc0').
export interface DecodedSessionRecord {
  generation: number
  createdAt: number
  lastUsedAt: number
  maxExpiresAt: number
  /** base64url, as the domain writes token hashes and boxes. */
  hash: string
  previousHash: string | null
  box: string | null
  ip: string
  userAgent: string
}

export function decodeSessionRecord (record: Buffer): DecodedSessionRecord {
  let at = 0
  const take = (length: number): Buffer => {
    if (at + length > record.length) throw new Error(`session record cut short at byte ${at}`)
    const bytes = record.subarray(at, at + length)
    at += length
    return bytes
  }
  const generation = take(4).readUInt32LE()
  const [createdAt, lastUsedAt, maxExpiresAt] = [take(6).readUIntLE(0, 6), take(6).readUIntLE(0, 6), take(6).readUIntLE(0, 6)]
  const hash = take(16)
  const previousHash = take(16)
  const box = take(32)
  const ip = take(take(2).readUInt16LE()).toString('utf8')
  const userAgent = take(take(2).readUInt16LE()).toString('utf8')
  if (at !== record.length) throw new Error(`${record.length - at} bytes after the session record`)
  const unless = (bytes: Buffer): string | null => bytes.every((byte) => byte === 0) ? null : bytes.toString('base64url')
  return {
    generation, createdAt, lastUsedAt, maxExpiresAt, hash: hash.toString('base64url'),
    previousHash: unless(previousHash), box: unless(box), ip, userAgent
  }
}

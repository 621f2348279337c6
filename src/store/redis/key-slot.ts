// Redis Cluster's key -> slot function (the Cluster specification, "Keys distribution model"):
// CRC16-XMODEM of the key, or of its hash tag (the text between the first `{` and the next `}`,
// when not empty), modulo 16384. The Cluster store needs it to find, for a user's keys, a key of
// the same slot to keep revocations in (./revocation-outbox.ts).

export const SLOT_COUNT = 16384

const CRC16_TABLE = new Uint16Array(256)
for (let byte = 0; byte < 256; byte++) {
  let crc = byte << 8
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  CRC16_TABLE[byte] = crc
}

function crc16 (bytes: Uint8Array, start: number, end: number): number {
  let crc = 0
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number)
  return crc
}

/** crc16 of an ASCII string's bytes, without a Buffer (slotTag hashes ~160,000 of them). */
function crc16Ascii (text: string): number {
  let crc = 0
  for (let i = 0; i < text.length; i++) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ text.charCodeAt(i)) & 0xff] as number)
  return crc
}

/** The slot Redis Cluster serves `key` from. */
export function keySlot (key: string): number {
  const bytes = Buffer.from(key, 'utf8')
  const open = bytes.indexOf(0x7b)
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1)
    if (close > open + 1) return crc16(bytes, open + 1, close) % SLOT_COUNT
  }
  return crc16(bytes, 0, bytes.length) % SLOT_COUNT
}

let tags: string[] | undefined

/**
 * A short hash tag for each slot: `{<slotTag(s)>}` in a key puts it in slot s. The first base-36
 * number (0, 1, ..., z, 10, ...) whose CRC16 lands in the slot, so every process, of every
 * version, derives the same tags (they name keys that outlive processes). Computed once, on first
 * use (about 160,000 CRCs).
 */
export function slotTag (slot: number): string {
  if (tags === undefined) {
    const found: string[] = new Array<string>(SLOT_COUNT)
    let missing = SLOT_COUNT
    for (let n = 0; missing > 0; n++) {
      const tag = n.toString(36)
      const slot = crc16Ascii(tag) % SLOT_COUNT
      if (found[slot] === undefined) {
        found[slot] = tag
        missing--
      }
    }
    tags = found
  }
  const tag = tags[slot]
  if (tag === undefined) throw new RangeError(`no slot ${slot}`)
  return tag
}

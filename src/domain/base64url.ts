// Base64url (RFC 4648 §5) as tokens use it: no padding (RFC 7515 §2), and only the canonical
// spelling (RFC 4648 §3.5: the unused bits of the last character are zero). Buffer's decoder ignores
// those bits, a lone last character and the base64 alphabet's '+' and '/', so without these checks
// one token would have several spellings that all decode to its bytes.

/** The 6-bit value of each base64url character, by char code; 0 for every other code below 128. */
export const BASE64URL_VALUES = new Uint8Array(128)
for (const [value, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL_VALUES[char.charCodeAt(0)] = value

// The unused bits of the last character, by the text's length mod 4: none after whole 4-character
// groups, 4 after 2 characters (one byte), 2 after 3 (two bytes); a lone character holds no byte.
const UNUSED_BITS = [0, -1, 0b1111, 0b11] as const

/**
 * Whether `text[start, end)`, already known to hold base64url characters only, is canonical: a
 * length that encodes whole bytes and a last character whose unused bits are zero. One table lookup.
 */
export function isCanonicalBase64url (text: string, start: number, end: number): boolean {
  const unused = UNUSED_BITS[(end - start) & 3] as number
  if (unused <= 0) return unused === 0
  return ((BASE64URL_VALUES[text.charCodeAt(end - 1) & 127] as number) & unused) === 0
}

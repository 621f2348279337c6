// Other spellings of one token, for the tests of "one spelling per token": base64url whose unused
// trailing bits are set (RFC 4648 §3.5 says canonical encoders leave them zero; Buffer's decoder
// ignores them), and the other ECDSA signature (r, n − s) of an ES256 token.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The unused bits of a base64url text's last character: 0 when it has none (length ≡ 0 mod 4). */
export function unusedBitsMask (length: number): number {
  return [0, 0, 0b1111, 0b11][length % 4] as number
}

/** `text` with `bits` XORed into its last character's value (`bits` within the unused ones: the same bytes). */
export function withTrailingBits (text: string, bits: number): string {
  const value = ALPHABET.indexOf(text.charAt(text.length - 1))
  if (value < 0) throw new Error('not base64url')
  return text.slice(0, -1) + ALPHABET.charAt(value ^ bits)
}

/** Every other spelling of base64url `text` that decodes to the same bytes by its trailing bits. */
export function trailingBitSpellings (text: string): string[] {
  const mask = unusedBitsMask(text.length)
  const spellings: string[] = []
  for (let bits = 1; bits <= mask; bits++) if ((bits & mask) === bits) spellings.push(withTrailingBits(text, bits))
  return spellings
}

/** `token` (a compact JWS) with segment `index` (0 header, 1 payload, 2 signature) replaced by `replace(segment)`. */
export function withSegment (token: string, index: number, replace: (segment: string) => string): string {
  const segments = token.split('.')
  segments[index] = replace(segments[index] as string)
  return segments.join('.')
}

/** The order n of P-256 (SEC 2 §2.4.2). */
export const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')

/** The ES256 signature's `s` (RFC 7518 §3.4: the second 32 bytes). */
export function es256S (signature: string): bigint {
  return BigInt(`0x${Buffer.from(signature, 'base64url').subarray(32).toString('hex')}`)
}

/** The other valid ECDSA signature of the same message: (r, n − s), base64url. */
export function otherES256Signature (signature: string): string {
  const bytes = Buffer.from(signature, 'base64url')
  const s = P256_ORDER - es256S(signature)
  Buffer.from(s.toString(16).padStart(64, '0'), 'hex').copy(bytes, 32)
  return bytes.toString('base64url')
}

// Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a client that has
// logged in to an account gets a signed cookie naming a random device id and binding the username.
// Presented again for that username, it lets the client's failed logins be counted per device
// instead of under the username's lockout, so strangers guessing a password cannot lock the owner
// out (src/domain/login-throttle.ts). All its state is in the cookie and in the store's counters, so
// any instance accepts any instance's cookie.
//
// Layout (41 bytes, base64url): version(1) | macKeyTag(4) | deviceId(16) | expiresAt(4, Unix s, BE) | mac(16)
// mac = HMAC-SHA256(key, the first 25 bytes ‖ normalised username), cut to 16 bytes, under a key
// derived from a JWT key (src/domain/keys.ts) apart from the refresh-token MAC key: the username is
// bound without being written in the cookie, and a cookie keeps working while its key is configured.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { pooledRandomBytes } from '../runtime/random-pool.js'

const VERSION = 1
const DEVICE_ID_BYTES = 16
const MAC_BYTES = 16
const SIGNED_BYTES = 1 + 4 + DEVICE_ID_BYTES + 4
const COOKIE_BYTES = SIGNED_BYTES + MAC_BYTES
const COOKIE_LENGTH = Math.ceil(COOKIE_BYTES * 4 / 3)

/** How long a device stays known after its latest successful login. */
export const DEVICE_COOKIE_TTL_MS = 180 * 24 * 60 * 60 * 1000

/** The device-cookie MAC keys a key ring offers (src/domain/keys.ts). */
export interface DeviceCookieKeys {
  deviceCookieMacKey (tag: Buffer): Buffer | undefined
  currentDeviceCookieMac (): { tag: Buffer, key: Buffer }
}

export interface DeviceCookie {
  value: string
  /** ms since the epoch, a whole second. */
  expiresAt: number
}

function mac (key: Buffer, signed: Buffer, normalisedUsername: string): Buffer {
  return createHmac('sha256', key).update(signed).update(normalisedUsername, 'utf8').digest().subarray(0, MAC_BYTES)
}

/** A new device cookie for `normalisedUsername`, with a device id of its own. */
export function mintDeviceCookie (keys: DeviceCookieKeys, normalisedUsername: string, now: number): DeviceCookie {
  const { tag, key } = keys.currentDeviceCookieMac()
  const expiresAtSeconds = Math.ceil((now + DEVICE_COOKIE_TTL_MS) / 1000)
  const bytes = Buffer.alloc(COOKIE_BYTES)
  bytes[0] = VERSION
  tag.copy(bytes, 1, 0, 4)
  pooledRandomBytes(DEVICE_ID_BYTES).copy(bytes, 5)
  bytes.writeUInt32BE(expiresAtSeconds, 5 + DEVICE_ID_BYTES)
  mac(key, bytes.subarray(0, SIGNED_BYTES), normalisedUsername).copy(bytes, SIGNED_BYTES)
  return { value: bytes.toString('base64url'), expiresAt: expiresAtSeconds * 1000 }
}

/**
 * The device id of a cookie we minted for `normalisedUsername` that has not expired at `now`; null
 * for anything else (another account's cookie, a forgery, an expired or non-canonical one).
 */
export function readDeviceCookie (keys: DeviceCookieKeys, value: string, normalisedUsername: string, now: number): string | null {
  if (value.length !== COOKIE_LENGTH) return null
  const bytes = Buffer.from(value, 'base64url')
  // One spelling per cookie: trailing bits or foreign characters decode too, but do not re-encode alike.
  if (bytes.length !== COOKIE_BYTES || bytes[0] !== VERSION || bytes.toString('base64url') !== value) return null
  const key = keys.deviceCookieMacKey(bytes.subarray(1, 5))
  if (key === undefined) return null
  if (!timingSafeEqual(mac(key, bytes.subarray(0, SIGNED_BYTES), normalisedUsername), bytes.subarray(SIGNED_BYTES))) return null
  if (bytes.readUInt32BE(5 + DEVICE_ID_BYTES) * 1000 <= now) return null
  return bytes.subarray(5, 5 + DEVICE_ID_BYTES).toString('base64url')
}

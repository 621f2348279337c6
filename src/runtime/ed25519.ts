// Ed25519 (RFC 8032) signatures for EdDSA access tokens, through libsodium (sodium-native) where
// its prebuilt addon loads, else node:crypto. Same signatures either way (Ed25519 is deterministic),
// but libsodium's cost less CPU than Node 20's OpenSSL 3.0, and a refresh signs one token, a cache
// miss verifies one. libsodium's verification is also the stricter one: it refuses non-canonical
// and small-order points.
import { createRequire } from 'node:module'
import { sign, verify, type KeyObject } from 'node:crypto'

/** The two functions of sodium-native used here. */
export interface Sodium {
  crypto_sign_detached (signature: Buffer, message: Buffer, secretKey: Buffer): void
  crypto_sign_verify_detached (signature: Buffer, message: Buffer, publicKey: Buffer): boolean
}

export interface Ed25519 {
  /** Which implementation signs and verifies ('libsodium' or 'node:crypto'). */
  backend: 'libsodium' | 'node:crypto'
  signer (privateKey: KeyObject): (message: Buffer) => Buffer
  verifier (publicKey: KeyObject): (message: Buffer, signature: Buffer) => boolean
}

const SIGNATURE_BYTES = 64

function loadSodium (): Sodium | null {
  try {
    return createRequire(import.meta.url)('sodium-native') as Sodium
  } catch {
    // No prebuilt addon for this platform: node:crypto does the same work, slower.
    return null
  }
}

/** The raw 32-byte key of an Ed25519 key object (RFC 8037 §2: the JWK's `x`, or `d` for the seed). */
function rawKey (key: KeyObject, member: 'x' | 'd'): Buffer {
  const value = key.asymmetricKeyType === 'ed25519' ? key.export({ format: 'jwk' })[member] : undefined
  if (value === undefined) throw new TypeError(`not an Ed25519 ${member === 'd' ? 'private' : 'public'} key`)
  return Buffer.from(value, 'base64url')
}

/** Ed25519 over `sodium`, or node:crypto when it is null. */
export function ed25519With (sodium: Sodium | null): Ed25519 {
  if (sodium === null) {
    return {
      backend: 'node:crypto',
      signer: (privateKey) => (message) => sign(null, message, privateKey),
      verifier: (publicKey) => (message, signature) => verify(null, message, publicKey, signature)
    }
  }
  return {
    backend: 'libsodium',
    signer (privateKey) {
      // libsodium's secret key is the seed followed by the public key.
      const secretKey = Buffer.concat([rawKey(privateKey, 'd'), rawKey(privateKey, 'x')])
      return (message) => {
        const signature = Buffer.allocUnsafe(SIGNATURE_BYTES)
        sodium.crypto_sign_detached(signature, message, secretKey)
        return signature
      }
    },
    verifier (publicKey) {
      const raw = rawKey(publicKey, 'x')
      // sodium-native throws on a signature of the wrong length: that is simply not a signature.
      return (message, signature) => signature.length === SIGNATURE_BYTES && sodium.crypto_sign_verify_detached(signature, message, raw)
    }
  }
}

export const ed25519 = ed25519With(loadSodium())

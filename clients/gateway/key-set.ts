// Rotor's public keys, from its JWKS, through jose's remote key set: fetched on first use, again
// when a token names an unknown kid (at most once per cooldown, so forged kids cannot make the
// gateway hammer Rotor), and at once when the feed says the keys changed (`event: keys`).
import { KeyObject, type webcrypto } from 'node:crypto'
import { createRemoteJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JWSHeaderParameters } from 'jose'

export interface RotorKeySetOptions {
  /** The JWKS URL, `<Rotor>/.well-known/jwks.json`. */
  jwksUrl: URL
  /** Least time between two fetches caused by unknown kids (ms, default 30 s). A `keys` event fetches regardless. */
  cooldownMs?: number
  /** A JWKS older than this is fetched again before use (ms, default 10 min). */
  cacheMaxAgeMs?: number
  /** Time allowed for one JWKS fetch (ms, default 5 s). */
  timeoutMs?: number
}

export interface RotorKeySet {
  /** jose's key resolver, for jwtVerify. */
  getKey (header?: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey>
  /** The PEM (SPKI) of the key for a header's kid and alg, for verifiers that take PEM (fast-jwt). */
  publicKeyPem (header: { kid?: string, alg?: string }): Promise<string>
  /** Fetches the JWKS now, even when a fetch is already under way (it may predate the change). */
  refetch (): Promise<void>
}

export function createRotorKeySet (options: RotorKeySetOptions): RotorKeySet {
  const remote = createRemoteJWKSet(options.jwksUrl, {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.timeoutMs ?? 5_000
  })
  // One PEM string per key: @fastify/jwt keeps one fast-jwt verifier per distinct key string.
  const pems = new WeakMap<CryptoKey, string>()
  let refetching: Promise<void> | undefined

  // Rotor signs with a new key the moment it reloads, so a token of the new kid can arrive while the
  // fetch `event: keys` started is still under way; jose, inside its cooldown, would refuse it. Such
  // a token waits for that fetch and is looked up once more (a forged kid outside a refetch fails at once).
  async function lookUp (header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<CryptoKey> {
    try {
      return await remote(header, token)
    } catch (error) {
      const pending = refetching
      if (pending === undefined || !(error instanceof errors.JWKSNoMatchingKey)) throw error
      await pending.catch(() => {})
      return await remote(header, token)
    }
  }

  return {
    getKey: async (header, token) => await lookUp(header ?? {}, token),
    async publicKeyPem (header) {
      const key = await lookUp({ alg: header.alg, kid: header.kid })
      let pem = pems.get(key)
      if (pem === undefined) {
        pem = KeyObject.from(key as webcrypto.CryptoKey).export({ type: 'spki', format: 'pem' }).toString()
        pems.set(key, pem)
      }
      return pem
    },
    async refetch () {
      const fetching = (async () => {
        if (remote.reloading) await remote.reload().catch(() => {})
        await remote.reload()
      })()
      refetching = fetching
      try {
        await fetching
      } finally {
        if (refetching === fetching) refetching = undefined
      }
    }
  }
}

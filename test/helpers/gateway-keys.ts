// Signing keys and access tokens shaped like Rotor's, made with jose alone, for tests of the gateway
// client's verification rules where each rule needs a token that breaks only it.
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose'
import { randomUUID } from 'node:crypto'

export interface TestKey {
  kid: string
  alg: 'EdDSA' | 'ES256' | 'RS256'
  privateKey: CryptoKey
  /** The public JWK as Rotor's JWKS lists it. */
  jwk: Record<string, unknown>
}

export async function testKey (kid: string, alg: TestKey['alg'] = 'EdDSA'): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

export const ISSUER = 'https://rotor.test'
export const AUDIENCE = 'api'

/** A token with every claim Rotor puts in one; `claims` and `header` override or (undefined) remove. */
export async function accessToken (key: TestKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const payload: Record<string, unknown> = {
    iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, nbf: now, exp: now + 900, jti: randomUUID(), sid: 'session-1', scope: 'api', ...claims
  }
  const protectedHeader: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }
  for (const record of [payload, protectedHeader]) {
    for (const [name, value] of Object.entries(record)) if (value === undefined) Reflect.deleteProperty(record, name)
  }
  return await new SignJWT(payload).setProtectedHeader(protectedHeader as { alg: string }).sign(key.privateKey)
}

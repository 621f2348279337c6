// Access tokens signed by the bench itself, shaped like the server's (docs/http-api.md, "Access tokens"),
// for --calibrate runs where no server issues them.
import { randomBytes } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import type { BenchKeys } from './keys.js'

export const ISSUER = 'http://localhost:3000'
export const AUDIENCE = 'api'

export function signTokens (keys: BenchKeys, count: number): string[] {
  const sign = createSigner({
    algorithm: keys.alg,
    key: keys.privateKey,
    kid: keys.kid,
    iss: ISSUER,
    aud: AUDIENCE,
    expiresIn: 900_000,
    header: { typ: 'at+jwt', alg: keys.alg }
  })
  const sub = randomBytes(16).toString('base64url')
  return Array.from({ length: count }, () => sign({
    sub,
    sid: randomBytes(16).toString('base64url'),
    jti: randomBytes(16).toString('base64url'),
    scope: 'api',
    nbf: Math.floor(Date.now() / 1000)
  }))
}

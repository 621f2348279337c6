// Access tokens signed by the bench itself with the server's key, shaped like the server's
// (docs/http-api.md, "Access tokens"): for --calibrate runs where no server issues them, and for
// sessions the bench wrote through the store (sessions.ts).
import { randomBytes } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import type { BenchKeys } from './keys.js'

export const ISSUER = 'http://localhost:3000'
export const AUDIENCE = 'api'

function signer (keys: BenchKeys): (claims: Record<string, unknown>) => string {
  return createSigner({
    algorithm: keys.alg,
    key: keys.privateKey,
    kid: keys.kid,
    iss: ISSUER,
    aud: AUDIENCE,
    expiresIn: 900_000,
    header: { typ: 'at+jwt', alg: keys.alg }
  })
}

export function signTokens (keys: BenchKeys, count: number): string[] {
  const sign = signer(keys)
  const sub = randomBytes(16).toString('base64url')
  return Array.from({ length: count }, () => sign({
    sub,
    sid: randomBytes(16).toString('base64url'),
    jti: randomBytes(16).toString('base64url'),
    scope: 'api',
    nbf: Math.floor(Date.now() / 1000)
  }))
}

/** One access token for each of `sessions` (sub and sid theirs), as the server would issue it. */
export function signSessionTokens (keys: BenchKeys, sessions: Array<{ userId: string, sessionId: string }>): string[] {
  const sign = signer(keys)
  return sessions.map(({ userId, sessionId }) => sign({
    sub: userId,
    sid: sessionId,
    jti: randomBytes(16).toString('base64url'),
    scope: 'api',
    nbf: Math.floor(Date.now() / 1000)
  }))
}

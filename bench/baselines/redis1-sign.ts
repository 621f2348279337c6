// Baseline "redis1+sign" (issue 18, "Decisions"): the least work a refresh must do. Fastify takes the
// same POST /auth/refresh body through the server's own schemas and Ajv options, makes one EVALSHA
// of a trivial script on the same redis-server, signs one access token of the same claims with the
// server's own signer (src/domain/access-tokens.ts, keys read from the same JWT_KEYS_DIR), and
// answers the same JSON shape, with the server's security headers, and a random opaque refresh
// token of the server's length. What is left between it and the server is the session's rules.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { createAccessTokens } from '../../src/domain/access-tokens.js'
import { loadKeyRing } from '../../src/domain/keys.js'
import { RefreshBodySchema, TokenResponseSchema } from '../../src/schemas/common.js'
import { setSecurityHeaders } from '../../plugins/security-headers.js'

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
redis.defineCommand('benchTrivial', { numberOfKeys: 0, lua: 'return 1' })
const trivial = async (): Promise<number> => await (redis as unknown as { benchTrivial (): Promise<number> }).benchTrivial()

type KeyRingSettings = Parameters<typeof loadKeyRing>[0]
const keyRing = await loadKeyRing({ jwtAlg: (process.env.JWT_ALG ?? 'EdDSA') as KeyRingSettings['jwtAlg'], jwtKeysDir: process.env.JWT_KEYS_DIR })
const accessTokens = createAccessTokens({
  keyRing,
  config: { jwtIssuer: process.env.JWT_ISSUER ?? 'http://localhost:3000', jwtAudience: process.env.JWT_AUDIENCE ?? 'api', accessTokenTtl: 900 },
  now: Date.now
})
// The server's ids are 16 random bytes in base64url (22 characters); its scope is 'api'.
const subject = { userId: randomBytes(16).toString('base64url'), sessionId: randomBytes(16).toString('base64url'), scope: 'api' }
// The server's refresh tokens are 'rt_' + base64url of 89 bytes (src/domain/refresh-tokens.ts).
const refreshTokenBytes = Math.round((Number(process.env.BENCH_REFRESH_TOKEN_LENGTH ?? 122) - 3) * 3 / 4)

const app = Fastify({
  logger: false,
  ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } }
})
app.addHook('onRequest', setSecurityHeaders)
app.post('/auth/refresh', {
  schema: { body: RefreshBodySchema, response: { 200: TokenResponseSchema } }
}, async () => {
  await trivial()
  const access = accessTokens.sign(subject)
  return { accessToken: access.token, tokenType: 'Bearer', expiresIn: access.expiresIn, refreshToken: 'rt_' + randomBytes(refreshTokenBytes).toString('base64url') }
})

await trivial()
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })

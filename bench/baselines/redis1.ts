// Baseline "redis1": Fastify taking the same refresh request body and doing exactly one EVALSHA of a
// trivial script on the same redis-server per request, answering a token response of the same shape
// and size. The cost of one Redis round trip behind HTTP: what a one-round-trip refresh can approach.
import Fastify from 'fastify'
import { Redis } from 'ioredis'

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
redis.defineCommand('benchTrivial', { numberOfKeys: 0, lua: 'return 1' })
const trivial = async (): Promise<number> => await (redis as unknown as { benchTrivial (): Promise<number> }).benchTrivial()

// Same lengths as the server's answer: an EdDSA access token and an 89-byte refresh token.
const ANSWER = {
  accessToken: 'x'.repeat(Number(process.env.BENCH_ACCESS_TOKEN_LENGTH ?? 330)),
  tokenType: 'Bearer',
  expiresIn: 900,
  refreshToken: 'rt_' + 'x'.repeat(119)
}

const app = Fastify({ logger: false })
app.post('/auth/refresh', {
  schema: {
    body: {
      type: 'object',
      properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 512 } },
      required: ['refreshToken'],
      additionalProperties: false
    },
    response: {
      200: {
        type: 'object',
        properties: {
          accessToken: { type: 'string' },
          tokenType: { type: 'string' },
          expiresIn: { type: 'integer' },
          refreshToken: { type: 'string' }
        },
        additionalProperties: false
      }
    }
  }
}, async () => {
  await trivial()
  return ANSWER
})

await trivial()
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })

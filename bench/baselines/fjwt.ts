// Baseline "fjwt": Fastify + @fastify/jwt verifying the bearer token on every request, with the
// server's algorithm, public key (or HS256 secret), issuer and audience, and fast-jwt's cache off.
// What a gateway would write in ten lines.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import fastifyJwt from '@fastify/jwt'
import type { Algorithm } from '../lib/keys.js'

const alg = (process.env.JWT_ALG ?? 'EdDSA') as Algorithm
const keyBytes = readFileSync(process.env.BENCH_VERIFY_KEY_FILE ?? '')
const username = process.env.BENCH_USERNAME ?? 'bench-user-0'

const app = Fastify({ logger: false })
await app.register(fastifyJwt, {
  secret: alg === 'HS256' ? keyBytes : { public: keyBytes.toString() },
  verify: {
    algorithms: [alg],
    allowedIss: process.env.JWT_ISSUER ?? 'http://localhost:3000',
    allowedAud: process.env.JWT_AUDIENCE ?? 'api',
    cache: false
  }
})
app.get('/api/me', {
  onRequest: async (request) => { await request.jwtVerify() },
  schema: {
    response: {
      200: {
        type: 'object',
        properties: { id: { type: 'string' }, username: { type: 'string' } },
        required: ['id', 'username'],
        additionalProperties: false
      }
    }
  }
}, async (request) => ({ id: (request.user as { sub: string }).sub, username }))

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })

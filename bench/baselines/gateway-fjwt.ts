// Baseline "gateway-fjwt" for the gateway verify row (issue 15): examples/fastify-gateway as it would
// be on plain @fastify/jwt, with no revocation feed and no check. The same Fastify logger level, the
// same toy upstream in the same process, the same /api/* handler forwarding with fetch; the public
// key read from a file instead of Rotor's JWKS, and the same verify rules (algorithm, iss, aud,
// typ, 5 s leeway, the contract's claims). What is left between the two is rotor/fastify-gateway:
// its key-set lookup, claim-type checks and the revocation check in `trusted`.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import Fastify from 'fastify'
import fastifyJwt from '@fastify/jwt'

const alg = process.env.JWT_ALG ?? 'EdDSA'
const publicKey = readFileSync(process.env.BENCH_VERIFY_KEY_FILE ?? '').toString()

const upstream = createServer((request, response) => {
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify({ message: 'hello from the upstream', path: request.url, userId: request.headers['x-user-id'] ?? null }))
})
await new Promise<void>((resolve) => { upstream.listen(0, '127.0.0.1', resolve) })
const address = upstream.address()
if (address === null || typeof address === 'string') throw new Error('the upstream has no port')
const upstreamUrl = `http://127.0.0.1:${address.port}`

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
await app.register(fastifyJwt, {
  secret: { public: publicKey },
  verify: {
    algorithms: [alg as 'EdDSA'],
    allowedIss: process.env.JWT_ISSUER ?? 'http://localhost:3000',
    allowedAud: process.env.JWT_AUDIENCE ?? 'api',
    checkTyp: 'at+jwt',
    clockTolerance: 5000,
    requiredClaims: ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti', 'sid', 'scope']
  }
})
app.addHook('onClose', async () => { upstream.close() })

app.get('/health', async () => ({ feed: 'none' }))

app.all('/api/*', { onRequest: async (request) => { await request.jwtVerify() } }, async (request, reply) => {
  const { sub } = request.user as { sub: string }
  const answer = await fetch(new URL(request.url, upstreamUrl), { method: request.method, headers: { 'x-user-id': sub } })
  reply.code(answer.status).header('content-type', answer.headers.get('content-type') ?? 'application/octet-stream')
  return Buffer.from(await answer.arrayBuffer())
})

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })

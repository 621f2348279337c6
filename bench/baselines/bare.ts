// Baseline "bare": Fastify answering the same JSON as GET /api/me, with the same response schema,
// and no authentication at all. The ceiling a verifying route can approach.
// With BENCH_SECURITY_HEADERS=1 ("bare+headers", an informational row, not a target's baseline) it
// also sends the server's security headers, through the server's own hook: what is left between
// it and the server is the cost of authenticating.
import Fastify from 'fastify'
import { setSecurityHeaders } from '../../plugins/security-headers.js'

const USER = { id: process.env.BENCH_USER_ID ?? 'AAAAAAAAAAAAAAAAAAAAAA', username: process.env.BENCH_USERNAME ?? 'bench-user-0' }

const app = Fastify({ logger: false })
if (process.env.BENCH_SECURITY_HEADERS === '1') {
  app.addHook('onRequest', setSecurityHeaders)
}
app.get('/api/me', {
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
}, async () => USER)

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })

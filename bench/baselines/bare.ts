// Baseline "bare": Fastify answering the same JSON as GET /api/me, with the same response schema,
// and no authentication at all. The ceiling a verifying route can approach.
import Fastify from 'fastify'

const USER = { id: process.env.BENCH_USER_ID ?? 'AAAAAAAAAAAAAAAAAAAAAA', username: process.env.BENCH_USERNAME ?? 'bench-user-0' }

const app = Fastify({ logger: false })
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

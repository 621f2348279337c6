// Every answer from /auth/* carries Cache-Control: no-store (CONTRACT.md, "Endpoints"): they hold
// tokens, or errors about them, that no cache may keep. This covers errors and 404s too.
import fp from 'fastify-plugin'

export default fp(async function cachePolicyPlugin (fastify) {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/auth/') || request.url === '/auth') {
      reply.header('cache-control', 'no-store')
      reply.header('pragma', 'no-cache')
    }
    return payload
  })
}, { name: 'cache-policy' })

// Liveness and readiness for orchestrators: /health answers while the process lives; /ready only
// while the store answers, so a load balancer stops sending traffic to an instance that would 503.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorBody } from '../../plugins/errors.js'
import { ErrorSchema } from '../schemas/common.js'

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false })

const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }))

  fastify.get('/ready', { schema: { response: { 200: Status, 503: ErrorSchema } } }, async (request, reply) => {
    try {
      await fastify.store.ping()
      return { status: 'ready' }
    } catch {
      return await reply.code(503).header('retry-after', '1').send(errorBody(503, 'AUTH_STORE_UNAVAILABLE', 'The session store is unavailable'))
    }
  })
}

export default healthRoutes

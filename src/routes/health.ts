// Liveness and readiness for orchestrators: /health answers while the process lives; /ready only
// while the store answers, so a load balancer stops sending traffic to an instance that would 503.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errorBody } from '../../plugins/errors.js'
import { storeIsReady } from '../domain/readiness.js'
import { StoreUnavailableError } from '../errors.js'
import { ErrorSchema } from '../schemas/common.js'

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false })

const STORE_UNAVAILABLE_CODE = new StoreUnavailableError().code

const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }))

  fastify.get('/ready', { schema: { response: { 200: Status, 503: ErrorSchema } } }, async (_request, reply) => {
    if (await storeIsReady(fastify.store)) return { status: 'ready' }
    return await reply.code(503).header('retry-after', '1').send(errorBody(503, STORE_UNAVAILABLE_CODE, 'The session store is unavailable'))
  })
}

export default healthRoutes

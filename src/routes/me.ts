// The example protected route: who the access token belongs to.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TokenInvalidError } from '../errors.js'
import { ErrorSchema, UserSchema } from '../schemas/common.js'

const meRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/api/me', {
    config: { bearer: true },
    onRequest: fastify.authenticate,
    schema: { response: { 200: UserSchema, '4xx': ErrorSchema, 503: ErrorSchema } }
  }, async (request) => {
    const user = await fastify.store.findUserById(request.auth.userId)
    if (user === null) throw new TokenInvalidError()
    return { id: user.id, username: user.username }
  })
}

export default meRoutes

// The example protected route: who the access token belongs to.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createUsernameCache } from '../domain/username-cache.js'
import { ErrorSchema, UserSchema } from '../schemas/common.js'

const meRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const usernames = createUsernameCache(fastify.store)

  fastify.get('/api/me', {
    config: { bearer: true },
    onRequest: fastify.authenticate,
    schema: { response: { 200: UserSchema, '4xx': ErrorSchema, 503: ErrorSchema } }
  }, (request) => {
    const { userId } = request.auth
    // Answered synchronously when the name is known: Fastify sends a plain return value at once,
    // where a promise costs two more turns of the microtask queue on every request.
    const username = usernames.known(userId)
    return username === undefined ? usernames.lookUp(userId).then((name) => ({ id: userId, username: name })) : { id: userId, username }
  })
}

export default meRoutes

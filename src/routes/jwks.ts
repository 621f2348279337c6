// GET /.well-known/jwks.json (RFC 7517 §5): the public keys that verify live access tokens, for
// gateways that verify on their own. Empty for HS256: a shared secret is never published.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

// Closed schema: the serializer itself drops any member not listed, so a private member such as
// `d` could never be sent even if one reached the handler.
const PublicJwkSchema = Type.Object({
  kty: Type.String(),
  kid: Type.String(),
  alg: Type.String(),
  use: Type.Literal('sig'),
  crv: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  y: Type.Optional(Type.String()),
  n: Type.Optional(Type.String()),
  e: Type.Optional(Type.String())
}, { additionalProperties: false })

const JwksSchema = Type.Object({ keys: Type.Array(PublicJwkSchema) }, { additionalProperties: false })

// 5 minutes: how long a gateway that refetches only when its copy goes stale can miss a new key
// (a new key signs at once; a gateway meeting an unknown kid should refetch then, as jose's
// createRemoteJWKSet does). It is shorter than the rotation overlap documented in
// src/domain/keys.ts (an old key stays at least ACCESS_TOKEN_TTL + 5 min, in practice
// REFRESH_IDLE_TTL, after its successor starts signing), so every cached copy has been refetched since the rotation before the old key goes.
const JWKS_CACHE_CONTROL = 'public, max-age=300'

const jwksRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/.well-known/jwks.json', { schema: { response: { 200: JwksSchema } } }, async (_request, reply) => {
    reply.header('cache-control', JWKS_CACHE_CONTROL)
    return fastify.keyRing.jwks()
  })
}

export default jwksRoutes

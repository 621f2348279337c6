// rotor/fastify-gateway: @fastify/jwt, the way Fastify applications already verify JWTs, set up for
// Rotor's access tokens. Its key comes from Rotor's JWKS (through the gateway client's key set, which
// Rotor's `event: keys` refreshes), its verify options are Rotor's rules, and its `trusted` hook is
// the revocation check: a Map lookup in the set the revocation feed keeps.
import fastifyJwt, { type FastifyJWTOptions, type TokenOrHeader, type VerifyOptions } from '@fastify/jwt'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errors as joseErrors } from 'jose'
import {
  ACCESS_TOKEN_CLAIMS, ACCESS_TOKEN_TYP, FeedStaleError, checkedRules, claimTypeProblem, createRotorGateway, type RotorGateway, type RotorGatewayOptions
} from '../gateway/index.js'
import { JwksUnavailableError, TokenInvalidError } from './errors.js'

export interface RotorFastifyGatewayOptions extends Omit<RotorGatewayOptions, 'log'> {
  /**
   * Options handed to @fastify/jwt as they are (cookie, formatUser, decoratorName, namespace, messages,
   * and verify settings such as `cache`). The key, `decode.complete`, the verify rules and `trusted`
   * are this plugin's.
   */
  jwt?: Omit<FastifyJWTOptions, 'secret' | 'trusted' | 'sign' | 'decode'>
  /** A further check of your own, run after the revocation check passed. */
  trusted?: (request: FastifyRequest, payload: Record<string, unknown>) => boolean | Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The feed, key set and verifier behind this gateway (rotor/gateway). */
    rotorGateway: RotorGateway
    /** An onRequest/preHandler hook: verifies the bearer token, its session, and sets request.user. */
    requireAccessToken: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

/** @fastify/jwt's answer to a token `trusted` refused; Rotor's own routes say 401 AUTH_SESSION_ENDED. */
export const SESSION_ENDED_MESSAGE = 'The session of this access token has ended; log in again'

/** fast-jwt errors @fastify/jwt does not translate (a claim of the wrong type, …) carry no status: 401, not 500. */
function asHttpError (error: unknown): unknown {
  const { code, statusCode, message } = error as { code?: unknown, statusCode?: unknown, message?: string }
  if (statusCode === undefined && typeof code === 'string' && code.startsWith('FAST_JWT_')) return new TokenInvalidError(message ?? code)
  return error
}

async function rotorFastifyGateway (fastify: FastifyInstance, options: RotorFastifyGatewayOptions): Promise<void> {
  const { jwt = {}, trusted: userTrusted, ...gatewayOptions } = options
  const rules = checkedRules(options)
  const gateway = createRotorGateway({ ...gatewayOptions, log: fastify.log })
  fastify.addHook('onClose', async () => { await gateway.close() })
  const { feed, keySet } = gateway

  const verify: Partial<VerifyOptions> = {
    ...jwt.verify,
    algorithms: [...rules.algorithms],
    allowedIss: rules.issuer,
    allowedAud: rules.audience,
    checkTyp: ACCESS_TOKEN_TYP,
    // fast-jwt counts leeway in milliseconds.
    clockTolerance: rules.clockToleranceSeconds * 1000,
    requiredClaims: [...ACCESS_TOKEN_CLAIMS]
  }

  await fastify.register(fastifyJwt, {
    ...jwt,
    messages: { authorizationTokenUntrusted: SESSION_ENDED_MESSAGE, ...jwt.messages },
    decode: { complete: true },
    verify,
    // Runs before fast-jwt looks at the header, so a header naming another algorithm is refused
    // before it could make the key set fetch anything. The typ is checked here too, because
    // @fastify/jwt answers fast-jwt's typ error with a 500.
    secret: async (_request: FastifyRequest, token: TokenOrHeader): Promise<string> => {
      const header = 'header' in token ? token.header : token
      if (!rules.algorithms.includes(header.alg as never)) throw new TokenInvalidError('the algorithm is not one Rotor signs with')
      if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== ACCESS_TOKEN_TYP) {
        throw new TokenInvalidError('typ is not at+jwt')
      }
      try {
        return await keySet.publicKeyPem(header)
      } catch (error) {
        if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
          throw new TokenInvalidError('no key of Rotor\'s has this kid')
        }
        throw new JwksUnavailableError({ cause: error })
      }
    },
    trusted: (request, payload) => {
      // fast-jwt checks presence and the types of exp and nbf only.
      const problem = claimTypeProblem(payload)
      if (problem !== undefined) return Promise.reject(new TokenInvalidError(problem))
      const verdict = feed.verdict(payload.sid as string)
      if (verdict === 'revoked') return false
      // A rejection, not `false`: @fastify/jwt would answer 401 "untrusted", and the token may be good.
      if (verdict === 'stale') return Promise.reject(new FeedStaleError())
      return userTrusted === undefined ? true : userTrusted(request, payload)
    }
  })

  fastify.decorate('rotorGateway', gateway)
  fastify.decorate('requireAccessToken', async function requireAccessToken (request: FastifyRequest) {
    try {
      await request.jwtVerify()
    } catch (error) {
      throw asHttpError(error)
    }
  })
}

export default fp(rotorFastifyGateway, { fastify: '5.x', name: 'rotor-fastify-gateway' })
export { rotorFastifyGateway }

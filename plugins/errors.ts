// One error handler for the whole server: below 500 the contract's body `{statusCode, code, error,
// message}`; from 500 a generic body, with the real error and its cause in the log only.
import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { SECURITY_HEADERS } from './security-headers.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route takes an access token: its 401s carry `WWW-Authenticate: Bearer` (RFC 6750 §3).
     * 'optional' when it also takes another credential and authenticates in its handler.
     */
    bearer?: boolean | 'optional'
  }
}

export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
}

export function errorBody (statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}

const FRAMEWORK_ERROR_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is not valid: a path segment cannot be decoded',
  FST_ERR_MAX_PARAM_LENGTH: 'The URL is not valid: a path segment is too long'
}

/**
 * Fastify's `frameworkErrors`: answers given before routing (a path segment that cannot be decoded,
 * one over maxParamLength), where no hook or error handler runs. Same contract body as every other
 * error, with the security headers set by hand, and without echoing the URL back.
 */
export function frameworkErrorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const message = FRAMEWORK_ERROR_MESSAGES[error.code]
  if (message === undefined) request.log.error({ err: error }, 'request failed before routing')
  const [statusCode, code] = message === undefined ? [500, 'AUTH_INTERNAL_ERROR'] : [error.statusCode ?? 400, error.code]
  void reply.code(statusCode).headers(SECURITY_HEADERS).send(errorBody(statusCode, code, message ?? 'Internal server error'))
}

// RFC 6750 §3.1: no error attribute when the request carried no token at all.
function bearerChallenge (code: string, message: string): string {
  if (code === 'AUTH_TOKEN_MISSING') return 'Bearer realm="rotor"'
  return `Bearer realm="rotor", error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"`
}

export default fp(async function errorsPlugin (fastify) {
  fastify.setErrorHandler(function handleError (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const statusCode = error.statusCode ?? 500
    if (statusCode >= 500 && statusCode !== 503) {
      request.log.error({ err: error }, 'request failed')
      return reply.code(500).send(errorBody(500, 'AUTH_INTERNAL_ERROR', 'Internal server error'))
    }
    const code = error.validation !== undefined ? 'FST_ERR_VALIDATION' : (error.code ?? 'AUTH_BAD_REQUEST')
    if (statusCode === 401 && (request.routeOptions.config.bearer ?? false) !== false) {
      reply.header('www-authenticate', bearerChallenge(code, error.message))
    }
    if (statusCode === 503) reply.header('retry-after', '1')
    return reply.code(statusCode).send(errorBody(statusCode, code, error.message))
  })

  fastify.setNotFoundHandler(function handleNotFound (request, reply) {
    return reply.code(404).send(errorBody(404, 'FST_ERR_NOT_FOUND', `Route ${request.method}:${request.url.split('?')[0] ?? ''} not found`))
  })
}, { name: 'errors' })

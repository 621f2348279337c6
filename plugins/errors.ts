// One error handler for the whole server: below 500 the contract's body `{statusCode, code, error,
// message}`; from 500 a generic body, with the real error and its cause in the log only.
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { BadRequestError, HeadersTooLargeError, InvalidCredentialsError, RequestTimeoutError, InternalError, RateLimitedError, RouteNotFoundError, TokenMissingError, VALIDATION_ERROR_CODE } from '../src/errors.js'
import { SECURITY_HEADERS } from './security-headers.js'
import { validationMessage } from './validation-messages.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route takes an access token: its 401s carry `WWW-Authenticate: Bearer` (RFC 6750 §3).
     * 'optional' when it also takes another credential and authenticates in its handler.
     */
    bearer?: boolean | 'optional'
  }
}

/** The largest request body any route accepts; larger is 413 before any parsing. */
export const BODY_LIMIT = 16 * 1024

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
  if (message === undefined) {
    request.log.error({ err: error }, 'request failed before routing')
    void reply.code(500).headers(SECURITY_HEADERS).send(internalErrorBody())
    return
  }
  const statusCode = error.statusCode ?? 400
  void reply.code(statusCode).headers(SECURITY_HEADERS).send(errorBody(statusCode, error.code, message))
}

const INTERNAL_ERROR = new InternalError()

function internalErrorBody (): ErrorBody {
  return errorBody(500, INTERNAL_ERROR.code, INTERNAL_ERROR.message)
}

/** What Node's HTTP parser reports with a refused request (`clientError`). */
interface ClientError extends Error {
  code?: string
  reason?: string
  bytesParsed?: number
}

/** The contract's answer to what Node's parser reports: a slow request, huge headers, or bad HTTP. */
function clientErrorAnswer (error: ClientError, requestTimeoutSeconds: number): FastifyError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestTimeoutError(`${requestTimeoutSeconds} second${requestTimeoutSeconds === 1 ? '' : 's'}`)
    case 'HPE_HEADER_OVERFLOW':
      return new HeadersTooLargeError()
    default:
      return new BadRequestError('The request is not valid HTTP/1.1: fix the request line, headers or body framing')
  }
}

/**
 * Fastify's `clientErrorHandler`: answers a request Node's HTTP parser refused, where no request
 * object, hook or error handler exists. Node passes the refused bytes along as `error.rawPacket`,
 * headers and body included (an Authorization header, a cookie, a password); Fastify's own handler
 * logs the whole error, so those bytes would reach the log at trace. This one logs only what the
 * parser says went wrong, and answers in the contract's shape with the security headers.
 */
export function clientErrorHandler (this: FastifyInstance, error: ClientError, socket: Duplex): void {
  // A reset connection is already gone: nothing to answer, nothing worth a line.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const answer = clientErrorAnswer(error, this.config.requestTimeout)
  this.log.trace({ clientError: { code: error.code, reason: error.reason, bytesParsed: error.bytesParsed } }, 'client error: request refused by the HTTP parser')
  // A response already begun on this connection (a pipelined request) cannot be followed by another.
  const responseStarted = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
  if (socket.writable && !responseStarted) {
    const statusCode = answer.statusCode ?? 400
    const body = JSON.stringify(errorBody(statusCode, answer.code, answer.message))
    const headers = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`).join('')
    socket.write(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}\r\n${headers}content-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

// RFC 6750 §3.1: no error attribute when the request carried no token at all, nor when the token
// was fine and something else was refused (a wrong currentPassword): invalid_token would send a
// client to refresh a token that works.
function bearerChallenge (error: FastifyError): string {
  if (error instanceof TokenMissingError || error instanceof InvalidCredentialsError) return 'Bearer realm="rotor"'
  return `Bearer realm="rotor", error="invalid_token", error_description="${error.message.replace(/["\\]/g, '')}"`
}

// Fastify's body-parser refusals, reworded to say what to send instead (codes unchanged).
const PARSER_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send the body as JSON with Content-Type: application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: `The request body is too large: send at most ${BODY_LIMIT} bytes`
}

// A request error without a code of its own (a plugin's 4xx) answers with the generic request code.
const FALLBACK_CODE = new BadRequestError('').code

export default fp(async function errorsPlugin (fastify) {
  fastify.setErrorHandler(function handleError (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const statusCode = error.statusCode ?? 500
    if (statusCode >= 500 && statusCode !== 503) {
      request.log.error({ err: error }, 'request failed')
      return reply.code(500).send(internalErrorBody())
    }
    const code = error.validation !== undefined ? VALIDATION_ERROR_CODE : (error.code ?? FALLBACK_CODE)
    if (statusCode === 401 && (request.routeOptions.config.bearer ?? false) !== false) {
      reply.header('www-authenticate', bearerChallenge(error))
    }
    if (statusCode === 503) reply.header('retry-after', '1')
    if (statusCode === 429) fastify.metrics.rateLimited(request.routeOptions.url ?? request.url.split('?')[0] ?? '').inc()
    if (error instanceof RateLimitedError && 'retryAfterSeconds' in error && !reply.hasHeader('retry-after')) {
      reply.header('retry-after', String(error.retryAfterSeconds))
    }
    const message = error.validation !== undefined ? validationMessage(error, request) : PARSER_MESSAGES[code] ?? error.message
    return reply.code(statusCode).send(errorBody(statusCode, code, message))
  })

  fastify.setNotFoundHandler(function handleNotFound (request, reply) {
    const notFound = new RouteNotFoundError(request.method, request.url.split('?')[0] ?? '')
    return reply.code(404).send(errorBody(404, notFound.code, notFound.message))
  })
}, { name: 'errors', dependencies: ['metrics'] })

// Logger options: pino at LOG_LEVEL with redaction, so no password, token, cookie or authorization
// header reaches a log line at any level (CONTRACT.md, LOG_LEVEL). Fastify's request serializer logs
// no headers or bodies; the redaction is the second line of defence if someone logs them anyway.
import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'body.password',
  'body.currentPassword',
  'body.newPassword',
  'body.refreshToken',
  'password',
  'currentPassword',
  'newPassword',
  'refreshToken',
  'accessToken',
  'token'
]

export function loggerOptions (config: Config, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  const options = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Secrets never travel in URLs, but query strings are still cut from logged URLs.
    serializers: {
      req (request: { method: string, url: string, ip?: string, id?: string }) {
        return { method: request.method, url: request.url.split('?')[0], ip: request.ip, id: request.id }
      }
    }
  }
  return stream === undefined ? options : { ...options, stream }
}

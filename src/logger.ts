// Logger options: pino at LOG_LEVEL with redaction, so no password, token, cookie or authorization
// header reaches a log line at any level (docs/http-api.md, LOG_LEVEL). Fastify's request serializer logs
// no headers or bodies; the redaction is the second line of defence if someone logs them anyway.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'
import pino, { type DestinationStream, type LoggerOptions } from 'pino'
import type { Config } from './config.js'

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  // Node's HTTP parser hands the bytes of a request it refuses to the error (headers and body).
  'err.rawPacket',
  'clientError.rawPacket',
  // ioredis attaches a failed command's arguments to its error: password hashes, usernames, IPs.
  'err.command.args',
  'err.cause.command.args',
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

/** pino options at LOG_LEVEL: redaction, and serializers that never include headers or query strings. */
export function loggerOptions (config: Config): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      // Secrets never travel in URLs, but query strings are still cut from logged URLs.
      req (request: { method: string, url: string, ip?: string, id?: string }) {
        return { method: request.method, url: request.url.split('?')[0], ip: request.ip, id: request.id }
      },
      // What Fastify's own serializer writes, so lines are the same whoever built the logger.
      res (reply: { statusCode: number }) {
        return { statusCode: reply.statusCode }
      }
    }
  }
}

/** How log lines are written: one JSON object a line, or pino-pretty's coloured lines for a person. */
export type LogFormat = 'json' | 'pretty'

/**
 * Pretty lines only for a person at a terminal in development: stdout is a TTY and NODE_ENV is not
 * production. Production, and whatever reads a pipe or a file (a container's log driver, a log
 * shipper, the tests), gets JSON, one object a line, as log tooling expects.
 */
export function logFormat ({ isTTY, production }: { isTTY: boolean | undefined, production: boolean }): LogFormat {
  return isTTY === true && !production ? 'pretty' : 'json'
}

// A log written to a terminal that hung up, or to a pipe whose reader is gone, has nowhere to go.
const LOST_DESTINATION_CODES = new Set(['EIO', 'EPIPE'])

/**
 * stdout when it is a terminal, written synchronously: a terminal that hangs up then fails the write
 * in the logging call, never in pino's flush at exit, where sonic-boom retries a failed write every
 * 100 ms for ever and the process never ends. Once a write fails with EIO (the terminal hung up) or
 * EPIPE, lines are dropped: losing the log must neither crash the server nor stop it serving.
 * Any other write error is thrown, as pino's own destination does.
 */
export function terminalDestination (fd = 1): ReturnType<typeof pino.destination> {
  const destination = pino.destination({ dest: fd, sync: true })
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (!LOST_DESTINATION_CODES.has(error.code ?? '')) throw error
    // What pino does for EPIPE on its own destination, for both codes and before any line is kept.
    destination.write = () => true
    destination.flush = (callback?: (error?: Error) => void) => { callback?.() }
    destination.flushSync = () => {}
    destination.end = () => {}
    destination.destroy = () => {}
  })
  return destination
}

/**
 * pino-pretty as a stream in this thread, loaded only when chosen (production never loads it). It
 * formats lines pino has already redacted, so no secret reaches it. Written synchronously, like
 * pino's own stdout, so a line logged just before `process.exit` is not lost.
 */
export async function prettyLogStream (destination?: DestinationStream): Promise<NodeJS.WritableStream> {
  const { default: pretty } = await import('pino-pretty')
  return pretty({ destination: destination ?? 1, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
}

// Fastify writes its per-request lines ("incoming request", "request completed") at info.
const REQUEST_LINES_LEVEL = 30

export interface FastifyLogging {
  options: Pick<FastifyServerOptions, 'logger' | 'childLoggerFactory'>
  /** When set, install it as `fastify.log` right after construction: Fastify was given no logger of its own. */
  rootLogger: FastifyBaseLogger | undefined
}

/**
 * The logging part of Fastify's options. Where Fastify's request lines are written (LOG_LEVEL info
 * and below), Fastify builds the logger. Above that, Fastify is given none and request loggers come
 * from our own pino instead: with a logger of its own Fastify times every response and adds and
 * removes two listeners per request for lines that are never written (bench/README.md, "What the
 * server leaves out"). Every other line, request id included, is written as before; what is lost
 * is Fastify's "request errored" line for a response stream that fails after the handler answered.
 */
export function fastifyLogging (config: Config, stream?: DestinationStream): FastifyLogging {
  const options = loggerOptions(config)
  const childLoggerFactory = lazyRequestLogger as unknown as FastifyServerOptions['childLoggerFactory']
  const level = config.logLevel === 'silent' ? Infinity : pino.levels.values[config.logLevel] ?? 0
  if (level <= REQUEST_LINES_LEVEL) {
    return { options: { logger: stream === undefined ? options : { ...options, stream }, childLoggerFactory }, rootLogger: undefined }
  }
  const root = stream === undefined ? pino(options) : pino(options, stream)
  const requestLogger = (_nullLogger: unknown, bindings: Record<string, unknown>, childOptions: { level?: string }): PinoLike =>
    lazyRequestLogger(root as unknown as PinoLike, bindings, childOptions)
  return { options: { logger: false, childLoggerFactory: requestLogger as unknown as FastifyServerOptions['childLoggerFactory'] }, rootLogger: root }
}

type LogMethod = (...args: unknown[]) => void
interface PinoLike {
  level: string
  isLevelEnabled (level: string): boolean
  child (bindings: Record<string, unknown>, options?: object): PinoLike
  [method: string]: unknown
}

/**
 * Fastify's `childLoggerFactory`: a request's logger that builds its pino child (which serialises
 * the request id binding) only when a line is actually written. Fastify builds one per request
 * whether anything is logged or not, and at LOG_LEVEL=warn a request that succeeds logs nothing,
 * so the child would be built for no line at all. Lines are the same either way.
 */
export function lazyRequestLogger (logger: PinoLike, bindings: Record<string, unknown>, options: { level?: string }): PinoLike {
  // A route-level log level makes a child with a level of its own: build it now, as Fastify would.
  if (options.level !== undefined) return logger.child(bindings, options)
  return new LazyRequestLogger(logger, bindings) as unknown as PinoLike
}

class LazyRequestLogger {
  readonly #parent: PinoLike
  readonly #bindings: Record<string, unknown>
  #child: PinoLike | undefined

  constructor (parent: PinoLike, bindings: Record<string, unknown>) {
    this.#parent = parent
    this.#bindings = bindings
  }

  #real (): PinoLike {
    this.#child ??= this.#parent.child(this.#bindings)
    return this.#child
  }

  #write (level: string, args: unknown[]): void {
    if (this.#parent.isLevelEnabled(level)) (this.#real()[level] as LogMethod)(...args)
  }

  get level (): string { return this.#parent.level }
  isLevelEnabled (level: string): boolean { return this.#parent.isLevelEnabled(level) }
  child (bindings: Record<string, unknown>, options?: object): PinoLike { return this.#real().child(bindings, options) }
  fatal (...args: unknown[]): void { this.#write('fatal', args) }
  error (...args: unknown[]): void { this.#write('error', args) }
  warn (...args: unknown[]): void { this.#write('warn', args) }
  info (...args: unknown[]): void { this.#write('info', args) }
  debug (...args: unknown[]): void { this.#write('debug', args) }
  trace (...args: unknown[]): void { this.#write('trace', args) }
  silent (): void {}
}

// GET /auth/revocations (docs/http-api.md, "Revocation feed"): server-sent events for gateways that
// follow it, or one JSON page for those that poll. Registered only when REVOCATION_FEED_TOKENS is
// set (otherwise the path is an unknown route: 404).
//
// Every stream is fed by the process's one follower (plugins/revocations.ts): a new reader costs one
// store read for its catch-up, and nothing after that.
import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { Type } from 'typebox'
import { feedTokenCheck } from '../domain/feed-tokens.js'
import { mayContinue } from '../domain/revocation-follower.js'
import { BadRequestError, FeedUnauthorizedError } from '../errors.js'
import { ErrorSchema } from '../schemas/common.js'
import type { RevocationPage } from '../store/types.js'
import { RevocationStream } from './revocation-stream.js'

/** Longest gap between two writes on a stream: the contract's 15 s, with room for a late timer. */
export const FEED_KEEP_ALIVE_MS = 10_000

export interface RevocationRoutesOptions {
  feedTokens: readonly string[]
  keepAliveMs?: number
}

const CURSOR_HELP = 'must be a cursor of this feed: the id of a revoked event, or the cursor of an earlier answer'

const RevocationSchema = Type.Object({
  id: Type.String(),
  sid: Type.String(),
  sub: Type.String(),
  reason: Type.Union([
    Type.Literal('logout'), Type.Literal('logout-all'), Type.Literal('reuse'), Type.Literal('password-change'), Type.Literal('revoked'), Type.Literal('evicted')
  ]),
  at: Type.Integer(),
  until: Type.Integer()
}, { additionalProperties: false })

const FeedPageSchema = Type.Object({
  revocations: Type.Array(RevocationSchema),
  cursor: Type.String()
}, { additionalProperties: false })

const FeedQuery = Type.Object({ after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false })
// Header names are lower-case in Node; other headers are not this route's business (no additionalProperties).
const FeedHeaders = Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 64 })) })

// RFC 7235 §2.1: the scheme is case-insensitive; RFC 6750 §2.1: one or more spaces, then the token.
const BEARER = /^bearer +(\S+)$/i

const revocationRoutes: FastifyPluginAsyncTypebox<RevocationRoutesOptions> = async (fastify, options) => {
  const { revocations } = fastify
  const isFeedToken = feedTokenCheck(options.feedTokens)
  const streams = new Set<RevocationStream>()

  // RFC 6750 §3: a challenge on every 401; no error attribute when no credential came at all.
  function checkFeedToken (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const header = request.headers.authorization
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1]
    if (presented !== undefined && isFeedToken(presented)) {
      done()
      return
    }
    reply.header('www-authenticate', header === undefined ? 'Bearer realm="rotor-revocations"' : 'Bearer realm="rotor-revocations", error="invalid_token"')
    done(new FeedUnauthorizedError())
  }

  /** The reader's cursor, spelt as the feed spells it; null for "all in force". */
  function readerCursor (lastEventId: string | undefined, after: string | undefined): string | null {
    // EventSource sends Last-Event-ID on reconnect: newer than the ?after= its URL was opened with.
    const [given, name] = lastEventId !== undefined && lastEventId !== '' ? [lastEventId, 'Last-Event-ID'] : [after, 'after']
    if (given === undefined) return null
    const cursor = revocations.cursorOf(given)
    if (cursor === null) throw new BadRequestError(`${name} ${CURSOR_HELP}`)
    return cursor
  }

  async function openStream (request: FastifyRequest, reply: FastifyReply, after: string | null): Promise<void> {
    const stream = new RevocationStream(reply.raw)
    const unsubscribe = revocations.follower.subscribe((batch) => { stream.deliver(batch) })
    // Also when the reader leaves during the catch-up read, or its error answer has gone out.
    reply.raw.on('close', () => {
      if (streams.delete(stream)) fastify.metrics.feedReaders.dec()
      unsubscribe()
    })
    let page: RevocationPage
    try {
      page = await revocations.readPage(after)
    } catch (error) {
      // Nothing was written yet: the error handler answers (503 while the store is unreachable).
      unsubscribe()
      throw error
    }
    reply.hijack()
    if (stream.closed) return
    const head: OutgoingHttpHeaders = {
      ...reply.getHeaders() as OutgoingHttpHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      // Proxies such as nginx would hold events back to fill a buffer.
      'x-accel-buffering': 'no'
    }
    reply.raw.writeHead(200, head)
    streams.add(stream)
    fastify.metrics.feedReaders.inc()
    request.log.info({ event: 'revocation_feed_opened', readers: streams.size }, 'revocation feed reader connected')
    // Page by page, so a reader catching up on many revocations costs one page of memory.
    stream.catchUp(page)
    try {
      let from = after
      while (mayContinue(page, from) && !stream.closed) {
        from = page.cursor
        page = await revocations.readPage(from)
        stream.catchUp(page)
      }
    } catch (error) {
      // The reader resumes from the last id it got, here or on another instance.
      request.log.warn({ err: error }, 'revocation feed: the catch-up failed part way; the stream ends')
      stream.end()
      return
    }
    stream.ready(page.cursor)
  }

  const keepAlive = setInterval(() => { for (const stream of streams) stream.keepAlive() }, options.keepAliveMs ?? FEED_KEEP_ALIVE_MS)
  keepAlive.unref()
  const stopAnnouncingKeys = fastify.onKeysReloaded(() => { for (const stream of streams) stream.keysChanged() })
  // Before the server stops listening: ended streams let readers reconnect elsewhere at once, and
  // an open stream would otherwise hold the shutdown until its grace runs out.
  fastify.addHook('preClose', async () => {
    clearInterval(keepAlive)
    stopAnnouncingKeys()
    for (const stream of streams) stream.end()
  })

  fastify.get('/auth/revocations', {
    onRequest: checkFeedToken,
    // A feed token proves a gateway, which may reconnect often; per-IP counting would only delay it.
    config: { perIpLimit: 'exempt' },
    schema: {
      querystring: FeedQuery,
      headers: FeedHeaders,
      response: { 200: FeedPageSchema, '4xx': ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const after = readerCursor(request.headers['last-event-id'], request.query.after)
    // Media types are case-insensitive (RFC 9110 §8.3.1): Text/Event-Stream asks for the stream too.
    if ((request.headers.accept ?? '').toLowerCase().includes('text/event-stream')) {
      await openStream(request, reply, after)
      return reply
    }
    const page = await revocations.readPage(after)
    return { revocations: page.revocations, cursor: page.cursor }
  })
}

export default revocationRoutes

// Follows Rotor's revocation feed (docs/http-api.md, "Revocation feed") and keeps the revocations in
// force in memory: one long GET /auth/revocations per process, resumed with Last-Event-ID after any
// break, so every gateway request checks its session with a Map lookup and no network call.
import { EventEmitter } from 'node:events'
import { backoffDelay } from './backoff.js'
import { FeedHttpError, FeedProtocolError, FeedSilentError } from './errors.js'
import { RevocationSet } from './revocation-set.js'
import { SseParser, type ServerSentEvent } from './sse-parser.js'
import { checkedStalePolicy, checkedTimings, type FeedTimings, type RevocationFeedEvents, type RevocationFeedOptions, type SessionVerdict, type StalePolicy } from './feed-options.js'
import { parseRevocation } from './types.js'

export class RevocationFeed extends EventEmitter<RevocationFeedEvents> {
  /** Resolves at the first `ready`; rejects if the feed is closed before. */
  readonly ready: Promise<void>
  readonly onStale: StalePolicy
  private readonly feedUrl: URL
  private readonly token: string
  private readonly options: FeedTimings
  private readonly now: () => number
  private readonly fetch: typeof fetch
  private readonly revocations: RevocationSet
  private cursor: string | undefined
  private live = false
  /** The current connection has reached `ready`: the next failure starts the back-off over. */
  private caughtUpThisConnection = false
  private everReady = false
  private disconnectedSince: number
  private lastByteAt: number
  private closed = false
  private connection: AbortController | undefined
  private silenceTimer: NodeJS.Timeout | undefined
  private staleTimer: NodeJS.Timeout | undefined
  private wakeFromPause: (() => void) | undefined
  private readonly sweepTimer: NodeJS.Timeout
  private readonly running: Promise<void>
  private resolveReady!: () => void
  private rejectReady!: (error: Error) => void

  constructor (options: RevocationFeedOptions) {
    super()
    if (typeof options.token !== 'string' || options.token === '') throw new TypeError('token: a feed token (one of REVOCATION_FEED_TOKENS) is required')
    const base = new URL(options.url)
    if (!base.pathname.endsWith('/')) base.pathname += '/'
    this.feedUrl = new URL('auth/revocations', base)
    this.token = options.token
    this.onStale = checkedStalePolicy(options)
    this.options = checkedTimings(options)
    this.now = options.now ?? Date.now
    this.fetch = options.fetch ?? globalThis.fetch
    this.revocations = new RevocationSet({ now: this.now, maxEntries: options.maxRevocations, onOverflow: (sid) => { this.emit('overflow', sid) } })
    this.disconnectedSince = this.lastByteAt = this.now()
    this.ready = new Promise((resolve, reject) => { this.resolveReady = resolve; this.rejectReady = reject })
    this.ready.catch(() => {})
    this.sweepTimer = setInterval(() => { this.revocations.sweep() }, this.options.sweepIntervalMs).unref()
    this.running = this.follow()
  }

  /** Whether `sid` has a revocation in force. */
  isRevoked (sid: string): boolean {
    return this.revocations.has(sid)
  }

  /** True before the first `ready`, and once disconnected for `staleAfterMs`: revocations may be missing. */
  get stale (): boolean {
    return !this.everReady || (!this.live && this.now() - this.disconnectedSince >= this.options.staleAfterMs)
  }

  /** Connected and caught up. */
  get connected (): boolean {
    return this.live
  }

  /** The id of the last revocation received (what the next connection sends as Last-Event-ID). */
  get lastEventId (): string | undefined {
    return this.cursor
  }

  /** Revocations in force now. */
  get size (): number {
    this.revocations.sweep()
    return this.revocations.size
  }

  /** The revocation check with the stale policy applied. */
  verdict (sid: string): SessionVerdict {
    if (this.isRevoked(sid)) return 'revoked'
    return this.onStale === 'reject' && this.stale ? 'stale' : 'valid'
  }

  /** Stops following; resolves once the connection is closed. */
  async close (): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.rejectReady(new Error('the revocation feed was closed before it was ready'))
      clearInterval(this.sweepTimer)
      clearTimeout(this.staleTimer)
      this.connection?.abort(new Error('closed'))
      this.wakeFromPause?.()
    }
    await this.running
  }

  private async follow (): Promise<void> {
    let attempt = 0
    while (!this.closed) {
      let error: Error
      this.caughtUpThisConnection = false
      try {
        await this.connectOnce()
        error = new Error('Rotor ended the feed stream')
      } catch (cause) {
        error = cause instanceof Error ? cause : new Error(String(cause))
      }
      if (this.closed) return
      if (this.caughtUpThisConnection) attempt = 0
      const retryInMs = backoffDelay(attempt++, { initialMs: this.options.reconnectInitialMs, maxMs: this.options.reconnectMaxMs })
      this.emit('disconnected', { error, retryInMs })
      await this.pause(retryInMs)
    }
  }

  /** One connection, until it ends. */
  private async connectOnce (): Promise<void> {
    const connection = new AbortController()
    this.connection = connection
    this.armSilenceTimer(connection)
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.token}` }
      if (this.cursor !== undefined) headers['last-event-id'] = this.cursor
      const response = await this.fetch(this.feedUrl, { headers, signal: connection.signal })
      if (!response.ok) {
        await response.body?.cancel().catch(() => {})
        throw new FeedHttpError(response.status)
      }
      const type = response.headers.get('content-type') ?? ''
      if (!type.startsWith('text/event-stream') || response.body === null) {
        await response.body?.cancel().catch(() => {})
        throw new FeedProtocolError(`the feed answered ${type === '' ? 'no content-type' : type}, not text/event-stream`)
      }
      this.emit('connected')
      const parser = new SseParser({ onEvent: (event) => { this.handleEvent(event) } }, { lastEventId: this.cursor })
      const decoder = new TextDecoder()
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        this.lastByteAt = this.now()
        this.armSilenceTimer(connection)
        parser.push(decoder.decode(chunk, { stream: true }))
      }
    } catch (error) {
      // An abort surfaces as a generic AbortError; the reason given to abort() says why.
      throw connection.signal.aborted && connection.signal.reason instanceof Error ? connection.signal.reason : error
    } finally {
      clearTimeout(this.silenceTimer)
      connection.abort()
      this.connectionEnded(connection.signal.reason instanceof FeedSilentError)
    }
  }

  private handleEvent (event: ServerSentEvent): void {
    switch (event.type) {
      case 'revoked': {
        const revocation = parseRevocation(event.data)
        if (revocation !== null) {
          this.revocations.add(revocation.sid, revocation.until)
          this.emit('revoked', revocation)
        }
        // The cursor moves past a revocation it could not read too: asking again would get it again.
        if (event.id !== '') this.cursor = event.id
        return
      }
      case 'reset':
        // Every revocation in force follows, and the set keeps what it holds, as Rotor's own
        // instances do: each entry is a session that did end, and lapses at its own `until`. A feed
        // that lost entries (a Redis restarted without its data) must not make a gateway accept
        // a token Rotor refuses; a cursor merely too old finds only lapsed entries gone anyway.
        this.emit('reset')
        return
      case 'ready':
        this.live = true
        this.everReady = true
        this.caughtUpThisConnection = true
        clearTimeout(this.staleTimer)
        this.resolveReady()
        this.emit('ready')
        return
      case 'keys':
        this.emit('keys')
        return
      default:
        // Event types this client does not know are left for newer clients.
    }
  }

  private connectionEnded (silent: boolean): void {
    if (!this.live) return
    this.live = false
    // A silent connection stopped telling us anything at its last byte, not when we noticed.
    this.disconnectedSince = silent ? this.lastByteAt : this.now()
    this.armStaleTimer()
  }

  private armStaleTimer (): void {
    const wait = this.options.staleAfterMs - (this.now() - this.disconnectedSince)
    // Node's timers count from the event loop's cached time, so one may fire a millisecond before
    // `now()` says staleAfterMs has passed: still disconnected then, it waits out the rest.
    this.staleTimer = setTimeout(() => {
      if (this.closed || this.live) return
      if (this.stale) this.emit('stale')
      else this.armStaleTimer()
    }, Math.max(1, wait)).unref()
  }

  private armSilenceTimer (connection: AbortController): void {
    clearTimeout(this.silenceTimer)
    this.silenceTimer = setTimeout(() => {
      connection.abort(new FeedSilentError(this.options.silenceTimeoutMs))
    }, this.options.silenceTimeoutMs).unref()
  }

  private async pause (ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const wake = (): void => { clearTimeout(timer); this.wakeFromPause = undefined; resolve() }
      const timer = setTimeout(wake, ms)
      this.wakeFromPause = wake
    })
  }
}

// An incremental parser of the text/event-stream format (WHATWG HTML, "Server-sent events", §9.2.6
// "Interpreting an event stream"). Node 20 has no global EventSource, and the parsers on npm that
// follow the spec want Node 22, so the gateway reads the stream with fetch and parses it here.
// Lines end in CRLF, LF or CR, and a chunk may end between the CR and the LF of one line break.

/** One dispatched event. `id` is the stream's last event ID after this event (it persists). */
export interface ServerSentEvent {
  type: string
  data: string
  id: string
}

export interface SseParserCallbacks {
  onEvent (event: ServerSentEvent): void
  /** A comment line (`: …`), which servers send to keep a quiet connection alive. */
  onComment? (text: string): void
  /** A valid `retry:` field, in milliseconds. */
  onRetry? (ms: number): void
}

/** A line or an event longer than this is a broken server; the parser throws instead of growing. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024

export class SseParseError extends Error {
  override name = 'SseParseError'
}

export class SseParser {
  private readonly callbacks: SseParserCallbacks
  private readonly maxEventBytes: number
  private pending = ''
  private skipLeadingLf = false
  private atStreamStart = true
  private eventType = ''
  private data = ''
  private hasData = false
  private lastEventId: string

  constructor (callbacks: SseParserCallbacks, options: { lastEventId?: string, maxEventBytes?: number } = {}) {
    this.callbacks = callbacks
    this.lastEventId = options.lastEventId ?? ''
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES
  }

  /** The last event ID seen, or the one given at construction. */
  get lastId (): string {
    return this.lastEventId
  }

  /** Feeds decoded text; dispatches every event completed by it. */
  push (text: string): void {
    if (this.atStreamStart && text.length > 0) {
      this.atStreamStart = false
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    let start = 0
    if (this.skipLeadingLf && text.length > 0) {
      this.skipLeadingLf = false
      if (text.charCodeAt(0) === 10) start = 1
    }
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code !== 10 && code !== 13) continue
      const line = this.pending + text.slice(start, i)
      this.pending = ''
      if (code === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++
        } else {
          this.skipLeadingLf = true
        }
      }
      start = i + 1
      this.processLine(line)
    }
    this.pending += text.slice(start)
    if (this.pending.length + this.data.length > this.maxEventBytes) {
      throw new SseParseError(`an event or line is longer than ${this.maxEventBytes} bytes`)
    }
  }

  private processLine (line: string): void {
    if (line === '') {
      this.dispatch()
      return
    }
    const colon = line.indexOf(':')
    if (colon === 0) {
      this.callbacks.onComment?.(line.slice(1))
      return
    }
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    switch (field) {
      case 'event':
        this.eventType = value
        break
      case 'data':
        this.data = this.hasData ? `${this.data}\n${value}` : value
        this.hasData = true
        if (this.data.length > this.maxEventBytes) throw new SseParseError(`an event is longer than ${this.maxEventBytes} bytes`)
        break
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value
        break
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.callbacks.onRetry?.(Number(value))
        break
      default:
        // Unknown fields are ignored (§9.2.6).
    }
  }

  private dispatch (): void {
    const hasData = this.hasData
    const event: ServerSentEvent = { type: this.eventType === '' ? 'message' : this.eventType, data: this.data, id: this.lastEventId }
    this.eventType = ''
    this.data = ''
    this.hasData = false
    // An event with no data field is not dispatched, though its id still counts (§9.2.6).
    if (hasData) this.callbacks.onEvent(event)
  }
}

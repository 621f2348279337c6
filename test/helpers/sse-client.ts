// A server-sent events reader for tests (WHATWG HTML §9.2.6, the parts a feed reader uses): opens
// GET <url> with Accept: text/event-stream on a connection of its own and records every event and
// comment line in order, so tests can wait for one and look at everything that came.
import { request, type ClientRequest, type IncomingMessage } from 'node:http'

export interface SseEvent {
  /** `event:` (default "message"), or "comment" for a line starting with ':'. */
  event: string
  id?: string
  data: string
}

export interface SseClient {
  status: number
  headers: IncomingMessage['headers']
  /** Everything received so far, in order. */
  events: SseEvent[]
  /** Resolves once the server ended the response (cleanly: `true`; cut: `false`). */
  ended: Promise<boolean>
  /** Resolves with the events up to and including the first that `match` accepts. */
  waitFor (match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent[]>
  /** The `data` of `revoked` events, parsed. */
  revoked (): Array<{ id: string, sid: string, sub: string, reason: string, at: number, until: number }>
  close (): void
}

/** Opens the stream; rejects when the answer is not 200 text/event-stream (with its body). */
export async function openSse (url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  let req: ClientRequest | undefined
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, resolve)
    req.on('error', reject)
    req.end()
  })
  if (response.statusCode !== 200) {
    let body = ''
    for await (const chunk of response) body += String(chunk)
    throw Object.assign(new Error(`SSE ${url}: ${response.statusCode ?? 0} ${body}`), { status: response.statusCode, body, headers: response.headers })
  }
  const events: SseEvent[] = []
  const waiters = new Set<() => void>()
  let buffer = ''
  let current: { event?: string, id?: string, data: string[] } = { data: [] }
  response.setEncoding('utf8')
  response.on('data', (chunk: string) => {
    buffer += chunk
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (line === '') {
        if (current.data.length > 0 || current.event !== undefined) {
          events.push({ event: current.event ?? 'message', id: current.id, data: current.data.join('\n') })
        }
        current = { data: [] }
      } else if (line.startsWith(':')) {
        events.push({ event: 'comment', data: line.slice(1).trim() })
      } else {
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') current.event = value
        else if (field === 'id') current.id = value
        else if (field === 'data') current.data.push(value)
      }
    }
    for (const wake of waiters) wake()
  })
  const ended = new Promise<boolean>((resolve) => {
    response.on('end', () => { resolve(true) })
    response.on('error', () => { resolve(false) })
    response.on('close', () => { resolve(response.complete) })
  })
  void ended.then(() => { for (const wake of waiters) wake() })
  let finished = false
  void ended.then(() => { finished = true })

  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    events,
    ended,
    async waitFor (match, timeoutMs = 5_000) {
      return await new Promise((resolve, reject) => {
        const check = (): void => {
          const index = events.findIndex(match)
          if (index >= 0) { done(); resolve(events.slice(0, index + 1)); return }
          if (finished) { done(); reject(new Error(`the stream ended first; events: ${JSON.stringify(events)}`)) }
        }
        const timer = setTimeout(() => { done(); reject(new Error(`no matching event within ${timeoutMs} ms; events: ${JSON.stringify(events)}`)) }, timeoutMs)
        const done = (): void => { clearTimeout(timer); waiters.delete(check) }
        waiters.add(check)
        check()
      })
    },
    revoked: () => events.filter((event) => event.event === 'revoked').map((event) => JSON.parse(event.data)),
    close () { req?.destroy() }
  }
}

// A scripted stand-in for Rotor's GET /auth/revocations (and its JWKS), for tests of the gateway client's own
// logic (parsing, reconnection, resets, staleness) where a test must decide exactly what each
// connection receives. What the feed client does against the real server is tested with real
// Rotor processes (test/clients/fastify-gateway-*.test.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FeedConnection {
  request: IncomingMessage
  response: ServerResponse
  /** Answers 200 text/event-stream (headers only). */
  open (): void
  /** Writes raw event-stream text. */
  write (text: string): void
  revoked (revocation: { id: string, sid: string, until: number, sub?: string, reason?: string, at?: number }): void
  event (type: string, data?: string): void
  /** Ends the response cleanly, as Rotor does on SIGTERM. */
  end (): void
  /** Destroys the socket: a broken connection. */
  destroy (): void
}

export interface FakeFeedServer {
  url: string
  connections: FeedConnection[]
  /** What GET /.well-known/jwks.json answers (and how often it was asked). */
  jwks: { keys: object[] }
  jwksRequests: number
  /** Resolves with connection number `index` (0-based) once it has arrived. */
  connection (index: number, timeoutMs?: number): Promise<FeedConnection>
  close (): Promise<void>
}

export async function startFakeFeedServer (t: { teardown (fn: () => unknown): void }): Promise<FakeFeedServer> {
  const connections: FeedConnection[] = []
  const waiters = new Set<() => void>()
  const state = { jwks: { keys: [] as object[] }, jwksRequests: 0 }
  const server = createServer((request, response) => {
    if (request.url === '/.well-known/jwks.json') {
      state.jwksRequests++
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.jwks))
      return
    }
    const connection: FeedConnection = {
      request,
      response,
      open () { response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }); response.flushHeaders() },
      write (text) { response.write(text) },
      revoked (r) {
        const body = { sub: 'user', reason: 'logout', at: r.until - 905, ...r }
        response.write(`event: revoked\nid: ${r.id}\ndata: ${JSON.stringify(body)}\n\n`)
      },
      event (type, data = '{}') { response.write(`event: ${type}\ndata: ${data}\n\n`) },
      end () { response.end() },
      destroy () { response.socket?.destroy() }
    }
    connections.push(connection)
    for (const wake of waiters) wake()
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const close = async (): Promise<void> => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  }
  t.teardown(close)
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    get jwks () { return state.jwks },
    set jwks (value) { state.jwks = value },
    get jwksRequests () { return state.jwksRequests },
    async connection (index, timeoutMs = 10_000) {
      return await new Promise((resolve, reject) => {
        const check = (): void => {
          const found = connections[index]
          if (found !== undefined) { waiters.delete(check); clearTimeout(timer); resolve(found) }
        }
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no feed connection #${index} within ${timeoutMs} ms`)) }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    close
  }
}

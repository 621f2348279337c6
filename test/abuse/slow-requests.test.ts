// REQUEST_TIMEOUT (docs/http-api.md): a request that has not fully arrived within it is answered 408
// and its connection closed, and an idle keep-alive connection is closed too, so slow clients cannot
// hold connections (and the memory behind them) forever. Twenty slow connections to a listening
// server with REQUEST_TIMEOUT=1: one sends nothing, some stop inside the headers, some drip their
// headers or body a byte at a time (active sockets, so an inactivity timeout alone would not end
// them), some go idle after one answered request. All are closed by a generous deadline, and the
// server answers other clients meanwhile. The deadline is a ceiling, not a measure of speed.
import t from 'tap'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildTestApp, userWithSession } from '../helpers/app.js'
import { httpRequest } from '../helpers/server-process.js'
import { openSse } from '../helpers/sse-client.js'

const REQUEST_TIMEOUT_S = 1
// REQUEST_TIMEOUT, plus the server's check interval, plus a wide margin for a loaded test machine.
const DEADLINE_MS = REQUEST_TIMEOUT_S * 1000 + 14_000

interface SlowClient {
  name: string
  socket: Socket
  received: () => string
  closed: Promise<number>
}

function open (port: number, name: string, start: (socket: Socket) => void): SlowClient {
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => { /* a reset is a close, which is what the test waits for */ })
  const opened = Date.now()
  const closed = new Promise<number>((resolve) => { socket.once('close', () => { resolve(Date.now() - opened) }) })
  socket.once('connect', () => { start(socket) })
  return { name, socket, received: () => received, closed }
}

/** Writes `text` one byte every `everyMs` until the socket closes. */
function drip (socket: Socket, text: string, everyMs: number): void {
  let at = 0
  const timer = setInterval(() => {
    if (socket.destroyed || at >= text.length) { clearInterval(timer); return }
    socket.write(text[at++] as string)
  }, everyMs)
  socket.once('close', () => { clearInterval(timer) })
}

const BODY = JSON.stringify({ username: 'slow-client', password: 'correct horse battery' })
const HEAD = `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n`

t.test('20 slow connections are all closed, and others are served meanwhile', async (t) => {
  const app = await buildTestApp(t, { REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_S) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const base = `http://127.0.0.1:${port}`

  const kinds: Array<[string, (socket: Socket) => void]> = [
    ['sends nothing', () => {}],
    ['stops inside the request line', (socket) => { socket.write('POST /auth/lo') }],
    ['stops inside the headers', (socket) => { socket.write('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Len') }],
    ['drips its headers', (socket) => { drip(socket, HEAD, 100) }],
    ['sends headers, then drips its body', (socket) => { socket.write(HEAD); drip(socket, BODY, 100) }],
    ['sends headers and half its body', (socket) => { socket.write(HEAD + BODY.slice(0, 10)) }],
    ['drips a chunked body', (socket) => {
      socket.write('POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n')
      drip(socket, `${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`, 100)
    }],
    ['goes idle after one answered request', (socket) => { socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n') }]
  ]
  const clients = Array.from({ length: 20 }, (_, i) => {
    const [name, start] = kinds[i % kinds.length] as [string, (socket: Socket) => void]
    return open(port, `#${i} ${name}`, start)
  })
  t.teardown(() => { for (const client of clients) client.socket.destroy() })

  // Others are served while the slow connections are held.
  for (let i = 0; i < 5; i++) {
    t.equal((await httpRequest(`${base}/health`)).status, 200, `another client is served (${i + 1})`)
    await sleep(100)
  }

  const deadline = sleep(DEADLINE_MS, 'deadline' as const)
  const closedAfter: number[] = []
  for (const client of clients) {
    const outcome = await Promise.race([client.closed, deadline])
    if (typeof outcome === 'number') closedAfter.push(outcome)
    t.not(outcome, 'deadline', `${client.name}: closed by the server within ${DEADLINE_MS} ms`)
    const statusLines = client.received().match(/^HTTP\/1\.1 \d{3}/gm) ?? []
    if (client.name.endsWith('goes idle after one answered request')) {
      t.same(statusLines, ['HTTP/1.1 200'], `${client.name}: its request was answered, then the idle connection closed`)
    } else if (!client.name.endsWith('sends nothing')) {
      t.same(statusLines, ['HTTP/1.1 408'], `${client.name}: answered 408`)
    }
  }
  t.comment(`slow connections closed after ${Math.min(...closedAfter)}-${Math.max(...closedAfter)} ms (REQUEST_TIMEOUT=${REQUEST_TIMEOUT_S} s)`)
  const timedOut = clients.find((client) => client.received().includes(' 408 '))?.received() ?? ''
  const body = JSON.parse(timedOut.slice(timedOut.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>
  t.equal(body.code, 'AUTH_REQUEST_TIMEOUT', "the 408 carries the contract's body")
  t.match(String(body.message), /1 second/, 'and says how long a request may take')
  t.equal((await httpRequest(`${base}/health`)).status, 200, 'the server still answers afterwards')
})

// REQUEST_TIMEOUT bounds how long a request takes to arrive, not how long its answer lasts: the
// revocation feed's event stream stays open past it and still delivers.
t.test('a long answer (the revocation event stream) outlives REQUEST_TIMEOUT', async (t) => {
  const feedToken = 'f'.repeat(48)
  const app = await buildTestApp(t, { REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_S), REVOCATION_FEED_TOKENS: feedToken })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const stream = await openSse(`${base}/auth/revocations`, { authorization: `Bearer ${feedToken}` })
  t.teardown(() => { stream.close() })
  await stream.waitFor((event) => event.event === 'ready')
  await sleep(REQUEST_TIMEOUT_S * 1000 * 3)
  const user = await userWithSession(app)
  t.equal((await app.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken: user.refreshToken } })).statusCode, 204)
  const events = await stream.waitFor((event) => event.event === 'revoked', 10_000)
  t.match(JSON.parse(events.at(-1)?.data ?? '{}'), { reason: 'logout' }, 'a revocation arrives on the same stream, three timeouts later')
})

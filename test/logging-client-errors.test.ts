// Requests Node's HTTP parser refuses (a bad request line, a bad header, oversized headers, a broken
// chunked body, request smuggling shapes) never put their bytes in the log, even at LOG_LEVEL=trace:
// each carries a known password, bearer token and cookie, and none of them appears in the log in any
// encoding (text, base64, base64url, hex, a byte array as JSON numbers). Node hands the refused bytes
// to the server's clientError handler as `rawPacket`; logging that error as it is would write them.
import t from 'tap'
import { connect } from 'node:net'
import { pino } from 'pino'
import { loadConfig } from '../src/config.js'
import { loggerOptions } from '../src/logger.js'
import { buildTestApp } from './helpers/app.js'
import { captureLog } from './helpers/log-capture.js'

const PASSWORD = 'Pw-7c1e5a9d-very-secret-password'
const BEARER = 'eyJhbGciOiJFZERTQSJ9.secret-access-token-0f3b8e21.c2lnbmF0dXJl'
const COOKIE = 'secret-refresh-cookie-4d92a7b6e0c1f358'

/** Every spelling of `secret` that could end up in a log line. */
function spellings (secret: string): Record<string, string> {
  const bytes = Buffer.from(secret)
  const found: Record<string, string> = {
    text: secret,
    hex: bytes.toString('hex'),
    HEX: bytes.toString('hex').toUpperCase(),
    'byte array': [...bytes].join(','),
    'byte array with spaces': [...bytes].join(', ')
  }
  // base64 of a secret depends on where it starts in the encoded bytes: one needle per alignment,
  // the characters that only the secret's own bytes determine.
  for (const encoding of ['base64', 'base64url'] as const) {
    for (let offset = 0; offset < 3; offset++) {
      const encoded = Buffer.concat([Buffer.alloc(offset, 0x20), bytes]).toString(encoding)
      const end = Math.floor((offset + bytes.length) / 3) * 4
      found[`${encoding} at offset ${offset}`] = encoded.slice(offset === 0 ? 0 : 4, end)
    }
  }
  return found
}

const SECRET_HEADERS = `Authorization: Bearer ${BEARER}\r\nCookie: __Secure-refresh_token=${COOKIE}\r\n`
const BODY = JSON.stringify({ username: 'victim', password: PASSWORD })

/** Malformed requests, each carrying all three secrets. */
const MALFORMED: Record<string, string> = {
  'a bad request line': `GET /auth/login HTTP/9.x\r\nHost: x\r\n${SECRET_HEADERS}Content-Length: ${BODY.length}\r\n\r\n${BODY}`,
  'a control character in a header value': `POST /auth/login HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}X-Bad: a\u0001b\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  'a space in a header name': `POST /auth/login HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}Bad Header: x\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  'oversized headers': `POST /auth/login HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}X-Filler: ${'f'.repeat(70 * 1024)}\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  'a broken chunked body': `POST /auth/login HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${BODY.length.toString(16)}\r\n${BODY}\r\nzz\r\n${BODY}\r\n0\r\n\r\n`,
  'Content-Length with Transfer-Encoding': `POST /auth/login HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}Content-Type: application/json\r\nContent-Length: ${BODY.length}\r\nTransfer-Encoding: chunked\r\n\r\n${BODY}`,
  'two Content-Lengths': `POST /auth/login HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}Content-Type: application/json\r\nContent-Length: ${BODY.length}\r\nContent-Length: 3\r\n\r\n${BODY}`,
  'a bare LF inside a header': `POST /auth/login HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}X-Split: a\rb\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  'a body after a complete request, in a second malformed one': `GET /health HTTP/1.1\r\nHost: x\r\n\r\nPOST /auth/login HTTP/1.1\r\n${SECRET_HEADERS}Content-Length: x${BODY}\r\n\r\n${BODY}`
}

/** Sends raw bytes and resolves with everything the server wrote before it closed the connection. */
async function sendRaw (port: number, bytes: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.end(bytes, 'latin1') })
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => { received += chunk })
    socket.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'ECONNRESET') resolve(received); else reject(error) })
    socket.on('close', () => { resolve(received) })
  })
}

t.test('malformed requests leave no secret in the trace log, in any encoding', async (t) => {
  const log = captureLog()
  const app = await buildTestApp(t, { LOG_LEVEL: 'trace' }, { logStream: log.stream })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port

  for (const [name, request] of Object.entries(MALFORMED)) {
    const answer = await sendRaw(port, request)
    t.match(answer, /^HTTP\/1\.1 (400|431) /m, `${name}: refused (${answer.split('\r\n')[0] ?? 'nothing'})`)
  }
  const text = log.lines().map((line) => JSON.stringify(line)).join('\n')
  t.match(text, /client error|header_overflow|malformed/i, 'the refusals themselves are logged')
  for (const [secretName, secret] of Object.entries({ password: PASSWORD, bearer: BEARER, cookie: COOKIE })) {
    for (const [encoding, needle] of Object.entries(spellings(secret))) {
      t.notOk(text.includes(needle), `the ${secretName} is not in the log as ${encoding}`)
    }
  }
})

t.test('a refused request gets the contract\'s error body and the security headers', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const answer = await sendRaw(port, MALFORMED['a space in a header name'] as string)
  const [headLines = '', body = ''] = answer.split('\r\n\r\n')
  const head = `${headLines}\r\n`
  t.match(head, /^HTTP\/1\.1 400 Bad Request\r\n/)
  t.match(head, /\r\nx-content-type-options: nosniff\r\n/i)
  t.match(head, /\r\ncache-control: no-store\r\n/i)
  t.match(head, /\r\nconnection: close\r\n/i)
  const parsed = JSON.parse(body) as Record<string, unknown>
  t.same(Object.keys(parsed).sort(), ['code', 'error', 'message', 'statusCode'])
  t.equal(parsed.code, 'AUTH_BAD_REQUEST')
  t.equal(parsed.statusCode, 400)
})

t.test('a store error logged with its cause carries no command arguments', async (t) => {
  const log = captureLog()
  const logger = pino(loggerOptions(loadConfig({ LOG_LEVEL: 'trace' })), log.stream)
  // What ioredis rejects with when Redis refuses a command (a NOPERM from a tight ACL, say).
  const replyError = Object.assign(new Error('NOPERM this user has no permissions'), {
    name: 'ReplyError', command: { name: 'evalsha', args: ['sha', '1', 'auth:{u1}:user', PASSWORD] }
  })
  logger.error({ err: replyError }, 'request failed')
  logger.error({ err: new Error('store unavailable', { cause: replyError }) }, 'request failed')
  const text = JSON.stringify(log.lines())
  t.match(text, /NOPERM/, 'the error itself is logged')
  t.notOk(text.includes(PASSWORD), 'its arguments are not')
})

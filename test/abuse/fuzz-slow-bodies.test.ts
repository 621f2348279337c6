// Fuzz of slow request bodies (docs/http-api.md, REQUEST_TIMEOUT): bodies sent in 2 to 12 pieces
// with pauses of up to 400 ms, by Content-Length or chunked, finished or never finished, all at once
// against a listening server with REQUEST_TIMEOUT=1. Every connection ends by a generous deadline;
// none is answered 5xx; an answer is the contract's; a body never finished is answered 408 (401 on a
// route that refuses a missing token before it reads the body). Meanwhile
// the server answers other clients. The deadline is a ceiling, not a measure of speed.
import t from 'tap'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { buildTestApp } from '../helpers/app.js'
import { slowUpload, type SlowUpload } from '../helpers/fuzz-requests.js'
import { httpRequest } from '../helpers/server-process.js'

const UPLOADS = 24
const SEED = 20261207
// 12 pieces x 400 ms, REQUEST_TIMEOUT, the server's check interval, and a wide margin for load.
const DEADLINE_MS = 25_000

interface Outcome { upload: SlowUpload, statusLines: string[], body: string, ended: boolean }

function framed (upload: SlowUpload): { head: string, pieces: string[] } {
  const size = Math.ceil(upload.body.length / upload.pieces)
  const parts = Array.from({ length: upload.pieces }, (_, i) => upload.body.slice(i * size, (i + 1) * size)).filter((part) => part !== '')
  const common = `POST ${upload.path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Token-Transport: body\r\nConnection: close\r\n`
  if (!upload.chunked) return { head: `${common}Content-Length: ${Buffer.byteLength(upload.body)}\r\n\r\n`, pieces: parts }
  const chunks = parts.map((part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`)
  chunks.push('0\r\n\r\n')
  return { head: `${common}Transfer-Encoding: chunked\r\n\r\n`, pieces: chunks }
}

async function send (port: number, upload: SlowUpload, deadline: Promise<'deadline'>): Promise<Outcome> {
  const { head, pieces } = framed(upload)
  const toSend = upload.finishes ? pieces : pieces.slice(0, -1)
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => { /* a reset ends the connection too */ })
  const closed = new Promise<'closed'>((resolve) => { socket.once('close', () => { resolve('closed') }) })
  socket.write(head)
  for (const piece of toSend) {
    if (socket.destroyed) break
    await sleep(upload.gapMs)
    if (!socket.destroyed) socket.write(piece)
  }
  const ended = await Promise.race([closed, deadline]) === 'closed'
  socket.destroy()
  return { upload, statusLines: received.match(/^HTTP\/1\.1 \d{3}/gm) ?? [], body: received.slice(received.indexOf('\r\n\r\n') + 4), ended }
}

t.test('fuzz slow bodies: every connection ends, never 5xx, an unfinished body is 408', async (t) => {
  const app = await buildTestApp(t, { REQUEST_TIMEOUT: '1' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const uploads = fc.sample(slowUpload, { seed: SEED, numRuns: UPLOADS })
  const deadline = sleep(DEADLINE_MS, 'deadline' as const)

  const outcomes = Promise.all(uploads.map(async (upload) => await send(port, upload, deadline)))
  for (let i = 0; i < 3; i++) {
    await sleep(300)
    t.equal((await httpRequest(`http://127.0.0.1:${port}/health`)).status, 200, 'another client is served meanwhile')
  }
  const statuses = new Map<string, number>()
  for (const { upload, statusLines, body, ended } of await outcomes) {
    const what = `${upload.path} in ${upload.pieces} pieces ${upload.gapMs} ms apart${upload.chunked ? ', chunked' : ''}${upload.finishes ? '' : ', never finished'}`
    t.ok(ended, `${what}: the connection ended`)
    t.equal(statusLines.length, 1, `${what}: one answer (${statusLines.join(', ')})`)
    const status = Number(statusLines[0]?.slice(9) ?? 0)
    statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1)
    t.ok(status >= 200 && status < 500, `${what}: not a 5xx (${status})`)
    // POST /auth/password authenticates before reading a body: without a token it is 401 at once.
    if (!upload.finishes) t.equal(status, upload.path === '/auth/password' ? 401 : 408, `${what}: ${upload.path === '/auth/password' ? 401 : 408}`)
    if (status >= 400) t.match(JSON.parse(body), { statusCode: status, code: String, error: String, message: String }, `${what}: the contract's body`)
  }
  t.comment(`slow bodies: ${UPLOADS} uploads, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`)
})

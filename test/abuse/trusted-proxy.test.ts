// TRUST_PROXY (docs/http-api.md): only the listed proxies may name the client in X-Forwarded-For.
// A listening server on 127.0.0.1 is reached from two loopback addresses of this host: 127.0.0.2
// plays the reverse proxy, 127.0.0.3 a client that reaches the server directly. Behind the proxy,
// each forwarded client has its own rate-limit bucket and its own IP in GET /auth/sessions; the
// direct client cannot choose its IP. A hop count (Fastify 5 turns it into "trust no proxy", so every
// client would share the proxy's bucket) and `true` are refused at start, naming what to write.
import t from 'tap'
import { request } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../helpers/app.js'
import { spawnServer } from '../helpers/server-process.js'

const PROXY = '127.0.0.2'
const DIRECT = '127.0.0.3'
const LIMIT = 3

interface Answer { status: number, body: string }

/** One request to `port` from the local address `from`; JSON body when given. */
async function send (port: number, from: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  const allHeaders = payload === undefined ? headers : { ...headers, 'content-type': 'application/json' }
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, localAddress: from, method, path, headers: allHeaders, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: text }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

async function listening (t: Parameters<typeof buildTestApp>[0], env: Record<string, string>): Promise<{ app: FastifyInstance, port: number }> {
  const app = await buildTestApp(t, env)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: (app.server.address() as { port: number }).port }
}

const wrongLogin = { username: 'nobody-here', password: 'not the password' }

t.test('behind a listed proxy, forwarded clients have separate buckets', async (t) => {
  const { port } = await listening(t, { TRUST_PROXY: PROXY, RATE_LIMIT_PER_MINUTE: String(LIMIT) })
  const via = (client: string): Record<string, string> => ({ 'x-forwarded-for': client })
  for (let i = 0; i < LIMIT; i++) t.equal((await send(port, PROXY, 'POST', '/auth/login', via('198.51.100.1'), wrongLogin)).status, 401)
  t.equal((await send(port, PROXY, 'POST', '/auth/login', via('198.51.100.1'), wrongLogin)).status, 429, 'the busy client is limited')
  t.equal((await send(port, PROXY, 'POST', '/auth/login', via('198.51.100.2'), wrongLogin)).status, 401, 'another client behind the same proxy is not')
  // A client behind a chain of proxies: the nearest untrusted address is the client.
  t.equal((await send(port, PROXY, 'POST', '/auth/login', via('198.51.100.1, 198.51.100.3'), wrongLogin)).status, 401, 'the right-most untrusted hop names the client')
})

t.test('a client that is not a listed proxy cannot choose its IP', async (t) => {
  const { port } = await listening(t, { TRUST_PROXY: PROXY, RATE_LIMIT_PER_MINUTE: String(LIMIT) })
  for (let i = 0; i < LIMIT; i++) await send(port, DIRECT, 'POST', '/auth/login', { 'x-forwarded-for': `198.51.100.${10 + i}` }, wrongLogin)
  t.equal((await send(port, DIRECT, 'POST', '/auth/login', { 'x-forwarded-for': '198.51.100.99' }, wrongLogin)).status, 429,
    'a fresh X-Forwarded-For from a direct client is still the same bucket')
})

t.test('sessions record the forwarded client, or the peer when it is not a listed proxy', async (t) => {
  const { port } = await listening(t, { TRUST_PROXY: `10.9.8.0/24, ${PROXY}, ::1` })
  const account = { username: 'proxied-user', password: 'correct horse battery' }
  t.equal((await send(port, PROXY, 'POST', '/auth/register', { 'x-forwarded-for': '203.0.113.5' }, account)).status, 201)
  const login = async (from: string, client: string): Promise<string> => {
    const answer = await send(port, from, 'POST', '/auth/login', { 'x-forwarded-for': client, 'x-token-transport': 'body' }, account)
    t.equal(answer.status, 200, `login from ${from} as ${client}`)
    return (JSON.parse(answer.body) as { accessToken: string }).accessToken
  }
  await login(PROXY, '203.0.113.5')
  await login(PROXY, '2001:db8::7')
  const accessToken = await login(DIRECT, '203.0.113.66')
  const listed = await send(port, PROXY, 'GET', '/auth/sessions', { authorization: `Bearer ${accessToken}`, 'x-forwarded-for': '203.0.113.5' })
  const ips = (JSON.parse(listed.body) as { sessions: Array<{ ip: string }> }).sessions.map((session) => session.ip).sort()
  t.same(ips, ['2001:db8::7', '203.0.113.5', DIRECT].sort(), 'each session holds its own client IP; the direct client its real address')
})

t.test('a hop count or true is refused at start, naming what to write instead', async (t) => {
  for (const value of ['1', '2', 'true', '0.0.0.0/0', '::/0']) {
    const server = await spawnServer(t, { TRUST_PROXY: value, PORT: '0', LOG_LEVEL: 'info' })
    // A server that accepts the value listens: stop it there rather than wait for an exit.
    const listened = server.waitForLine((line) => line.includes('Server listening at'), 30_000).then(() => { server.child.kill('SIGKILL') }, () => {})
    const code = await server.exited
    await listened
    t.equal(code, 78, `TRUST_PROXY=${value}: exit code 78 (EX_CONFIG)`)
    const stderr = server.stderr().trim()
    t.equal(stderr.split('\n').length, 1, `TRUST_PROXY=${value}: one line`)
    t.match(stderr, /^rotor: TRUST_PROXY=/, `TRUST_PROXY=${value}: names the variable`)
    t.match(stderr, /addresses or CIDRs/, `TRUST_PROXY=${value}: says what to write instead`)
  }
})

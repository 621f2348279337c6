// Graceful shutdown: SIGTERM while a burst of logins (each an argon2 check) is
// in flight lets every one of them finish with 200, refuses new connections from then on, closes
// the store's Redis connection (QUIT), and exits 0.
import t from 'tap'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { startRedisServer } from '../../bench/lib/redis-server.js'
import { httpRequest, listeningUrl, spawnServer, type HttpAnswer } from '../helpers/server-process.js'

const BURST = 20
const PASSWORD = 'correct horse battery'

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })
const inspector = new Redis(redis.url)
t.teardown(() => { inspector.disconnect() })

async function quitCalls (): Promise<number> {
  return Number(/cmdstat_quit:calls=(\d+)/.exec(await inspector.info('commandstats'))?.[1] ?? 0)
}

async function connectionRefused (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(false) })
    socket.once('error', (error: NodeJS.ErrnoException) => { resolve(error.code === 'ECONNREFUSED') })
  })
}

t.test('SIGTERM drains in-flight logins, refuses new connections, closes the store and exits 0', async (t) => {
  const server = await spawnServer(t, {
    // LOGIN_MAX_FAILURES above the burst: an attempt counts toward it while in flight.
    PORT: '0', REDIS_URL: redis.url, REDIS_PREFIX: 'drain:', LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '100000', LOGIN_MAX_FAILURES: '100000', COOKIE_SECURE: 'false'
  })
  const url = await listeningUrl(server)
  const port = Number(new URL(url).port)
  t.equal((await httpRequest(`${url}/auth/register`, { method: 'POST', body: { username: 'drainer', password: PASSWORD } })).status, 201)
  const serverClients = Number(/connected_clients:(\d+)/.exec(await inspector.info('clients'))?.[1]) - 1
  t.ok(serverClients >= 1, `the server holds ${serverClients} Redis connection(s)`)
  const quitsBefore = await quitCalls()

  // Each on its own connection, so none waits behind another on a keep-alive socket.
  const loginLine = (line: string): boolean => line.includes('"incoming request"') && line.includes('"/auth/login"')
  const logins: Array<Promise<HttpAnswer>> = Array.from({ length: BURST }, async () =>
    await httpRequest(`${url}/auth/login`, { method: 'POST', body: { username: 'drainer', password: PASSWORD }, headers: { 'x-token-transport': 'body' } }))
  // Wait until the server has read every request, then stop it while they are being served.
  await server.waitForLine(() => server.lines.filter(loginLine).length >= BURST)
  const signalledAt = Date.now()
  server.child.kill('SIGTERM')
  await server.waitForLine((line) => line.includes('shutting down'))

  let refusedWhileDraining = false
  const watchListener = (async () => {
    while (server.child.exitCode === null) {
      if (await connectionRefused(port)) {
        refusedWhileDraining = server.child.exitCode === null
        return
      }
      await sleep(10)
    }
  })()

  const answers = await Promise.allSettled(logins)
  const ok = answers.filter((answer) => answer.status === 'fulfilled' && answer.value.status === 200 && typeof answer.value.json().accessToken === 'string')
  t.equal(ok.length, BURST, `all ${BURST} in-flight logins completed with 200`)
  await watchListener
  t.equal(await server.exited, 0, 'exit code 0')
  t.ok(refusedWhileDraining, 'a new connection made during the drain was refused while the process still ran')
  t.comment(`SIGTERM to exit: ${Date.now() - signalledAt} ms, with ${BURST} logins in flight`)
  t.ok(await quitCalls() > quitsBefore, 'the store said QUIT to Redis')
  t.equal(Number(/connected_clients:(\d+)/.exec(await inspector.info('clients'))?.[1]), 1, 'no server connection is left on Redis')
  t.equal(server.stderr(), '', 'nothing on stderr')
})

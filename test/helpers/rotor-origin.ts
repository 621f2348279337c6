// A real Rotor (its own process, on its own redis-server) behind the SPA example's server, so a page
// and Rotor share one origin as they do in the example. Requests are counted where they are answered:
// from Rotor's own request log lines (LOG_LEVEL=info), over every Rotor process the test started.
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createSpaServer, type StaticFile } from '../../examples/spa/spa-server.js'
import { generateKeyFile } from '../../src/domain/keys.js'
import { browserClientBundle } from './browser-client-bundle.js'
import { freePort, startRedisServer, type RedisServer } from '../../bench/lib/redis-server.js'
import { httpRequest, spawnServer, type ServerProcess } from './server-process.js'

interface Teardown { teardown (fn: () => unknown): void }

export interface RotorRequest { method: string, path: string, status: number | undefined }

export interface RotorOrigin {
  /** The page's origin, such as `http://127.0.0.1:41234`. */
  url: string
  /** Where Rotor itself listens (for requests that must not pass the page's server). */
  rotorUrl: string
  /** Rotor's redis-server (to freeze and thaw). */
  redis: RedisServer
  /** Every request Rotor logged so far, in order, with the status it answered (undefined while in flight). */
  requests (): RotorRequest[]
  /** How many requests Rotor answered with `method path`, and `status` when given. */
  count (method: string, path: string, status?: number): number
  /** Registers an account with Rotor directly. */
  register (username: string, password: string): Promise<void>
  /** Kills the Rotor process (SIGKILL): nothing listens on its port until startRotor(). */
  stopRotor (): Promise<void>
  /** Starts Rotor again on the same port, store and keys, and waits until it is ready. */
  startRotor (): Promise<void>
}

/** Limits no browser test means to meet; every request comes from the page server's one address. */
const HARNESS_ENV = { RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES: '1000000', LOG_LEVEL: 'info', HOST: '127.0.0.1' }

interface LogLine { msg?: string, reqId?: string, req?: { method?: string, url?: string }, res?: { statusCode?: number } }

/** Pairs Fastify's "incoming request" and "request completed" lines of one process by request id. */
function requestsOf (process: ServerProcess): RotorRequest[] {
  const byId = new Map<string, RotorRequest>()
  for (const text of process.lines) {
    if (!text.startsWith('{')) continue
    const line = JSON.parse(text) as LogLine
    if (line.reqId === undefined) continue
    if (line.msg === 'incoming request' && line.req?.method !== undefined && line.req.url !== undefined) {
      byId.set(line.reqId, { method: line.req.method, path: line.req.url, status: undefined })
    } else if (line.msg === 'request completed') {
      const request = byId.get(line.reqId)
      if (request !== undefined) request.status = line.res?.statusCode
    }
  }
  return [...byId.values()]
}

export async function startRotorOrigin (t: Teardown, options: { env?: Record<string, string>, files: Record<string, StaticFile> }): Promise<RotorOrigin> {
  const redis = await startRedisServer()
  t.teardown(async () => { await redis.stop() })
  // Keys on disk, so a restarted Rotor verifies the tokens and refresh tokens of the one before.
  const keysDir = await mkdtemp(join(tmpdir(), 'rotor-browser-keys-'))
  t.teardown(async () => { await rm(keysDir, { recursive: true, force: true }) })
  await generateKeyFile('EdDSA', keysDir, '20260101')

  const port = await freePort()
  const rotorUrl = `http://127.0.0.1:${port}`
  const env = { ...HARNESS_ENV, REDIS_URL: redis.url, JWT_KEYS_DIR: keysDir, PORT: String(port), ...options.env }
  const processes: ServerProcess[] = []
  // Teardown does not run when a test file dies (an error thrown at its top level, tap's timeout):
  // the children would outlive it, so they are killed with the process too.
  process.once('exit', () => {
    for (const server of processes) server.child.kill('SIGKILL')
    redis.process.kill('SIGKILL')
    rmSync(keysDir, { recursive: true, force: true })
  })

  async function startRotor (): Promise<void> {
    const server = await spawnServer(t, env)
    processes.push(server)
    // Starting takes a second on an idle machine and far longer on a loaded one.
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      if (server.child.exitCode !== null) throw new Error(`Rotor exited (${server.child.exitCode}): ${server.stderr()}`)
      const ready = await httpRequest(`${rotorUrl}/ready`).catch(() => null)
      if (ready?.status === 200) return
      await sleep(50)
    }
    throw new Error(`Rotor not ready at ${rotorUrl} within 120 s: ${server.stderr()}`)
  }

  async function stopRotor (): Promise<void> {
    const server = processes.at(-1)
    if (server === undefined || server.child.exitCode !== null || server.child.signalCode !== null) return
    server.child.kill('SIGKILL')
    await server.exited
  }

  await startRotor()
  const bundle = await browserClientBundle()
  const spa = createSpaServer({ rotorUrl, files: { ...options.files, '/rotor.js': { body: bundle.code, type: 'text/javascript' } } })
  await new Promise<void>((resolve) => spa.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    spa.closeAllConnections()
    await new Promise((resolve) => spa.close(resolve))
  })

  const requests = (): RotorRequest[] => processes.flatMap(requestsOf)
  return {
    url: `http://127.0.0.1:${(spa.address() as AddressInfo).port}`,
    rotorUrl,
    redis,
    requests,
    count: (method, path, status) => requests().filter((r) => r.method === method && r.path === path && (status === undefined || r.status === status)).length,
    async register (username, password) {
      const answer = await httpRequest(`${rotorUrl}/auth/register`, { method: 'POST', body: { username, password } })
      if (answer.status !== 201) throw new Error(`register ${username}: ${answer.status} ${answer.body}`)
    },
    stopRotor,
    startRotor
  }
}

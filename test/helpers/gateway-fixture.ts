// What the example-gateway tests share: a redis-server of their own, Rotor processes on it, the
// example gateway as a process in front of one of them, and the calls a user makes (register, log
// in, end a session) over HTTP. Every process is killed at teardown, a failing test's too.
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, startRedisServer, type RedisServer } from '../../bench/lib/redis-server.js'
import { tempKeyDir, type KeyDir } from './access-tokens.js'
import { startGateway, type GatewayProcess } from './gateway-process.js'
import { httpRequest, spawnServer, type HttpAnswer, type ServerProcess } from './server-process.js'

interface Teardown { teardown (fn: () => unknown): void }

export const PASSWORD = 'correct horse battery staple'
export const FEED_TOKEN = 'example-gateway-feed-token-0123456789abcdef'
/** The contract's bound (issue 15): a gateway refuses an ended session's token within 2 s of the ending call's answer. */
export const GATEWAY_REFUSES_WITHIN_MS = 2_000
/** Past the contract's bound: only how long a poll goes on before it reports a failure. */
const GIVE_UP_AFTER_MS = 15_000

export interface Rotor {
  url: string
  port: number
  server: ServerProcess
}

export interface Session {
  accessToken: string
  refreshToken: string
  sid: string
}

export async function startRedis (t: Teardown, options: { persistent?: boolean } = {}): Promise<RedisServer> {
  const redis = await startRedisServer(options.persistent === true ? { config: { appendonly: 'yes', appendfsync: 'always' } } : {})
  t.teardown(async () => { await redis.stop() })
  // Teardown does not run when a test file throws at its top level; the server must not outlive it.
  // (A restart replaces redis.process, so the current one is read at exit.)
  process.once('exit', () => { redis.process.kill('SIGKILL') })
  return redis
}

export async function keyDir (t: Teardown): Promise<KeyDir> {
  return await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
}

/** A Rotor process on `redis` (JWT_ISSUER and JWT_AUDIENCE left at the defaults the example's match), once /ready answers 200. */
export async function startRotor (t: Teardown, redis: RedisServer, keys: KeyDir, env: Record<string, string> = {}): Promise<Rotor> {
  const port = await freePort()
  const server = await spawnServer(t, {
    HOST: '127.0.0.1',
    PORT: String(port),
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'gateway:',
    JWT_KEYS_DIR: keys.dir,
    REVOCATION_FEED_TOKENS: FEED_TOKEN,
    COOKIE_SECURE: 'false',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOGIN_MAX_FAILURES: '1000000',
    ...env
  })
  const url = `http://127.0.0.1:${port}`
  // Generous: several processes start at once on a loaded machine.
  const deadline = Date.now() + 60_000
  while ((await httpRequest(`${url}/ready`).catch(() => null))?.status !== 200) {
    if (Date.now() > deadline || server.child.exitCode !== null) {
      throw new Error(`Rotor not ready (exit ${String(server.child.exitCode)}): ${server.stderr()} ${server.lines.join('\n')}`)
    }
    await sleep(50)
  }
  return { url, port, server }
}

/** The example gateway following Rotor at `rotorUrl`; reconnections at most 1 s apart, so a test waits for the fault, not the back-off. */
export async function gatewayFor (t: Teardown, rotorUrl: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const gateway = await startGateway(t, { ROTOR_URL: rotorUrl, ROTOR_FEED_TOKEN: FEED_TOKEN, FEED_RECONNECT_MAX_MS: '1000', ...env })
  await waitFor(async () => (await gateway.get('/health')).json().feed === 'live', 'the gateway to follow the feed')
  return gateway
}

/** Polls `check` until it holds; throws naming `what` after GIVE_UP_AFTER_MS (or `timeoutMs`). */
export async function waitFor (check: () => Promise<boolean> | boolean, what: string, timeoutMs = GIVE_UP_AFTER_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`)
    await sleep(20)
  }
}

export async function call (rotor: Rotor, path: string, options: { method?: string, body?: unknown, token?: string } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }
  return await httpRequest(`${rotor.url}${path}`, { method: options.method, body: options.body, headers })
}

export function claimsOf (token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

export function kidOf (token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).kid as string
}

export async function register (rotor: Rotor, username: string): Promise<void> {
  const answer = await call(rotor, '/auth/register', { method: 'POST', body: { username, password: PASSWORD } })
  if (answer.status !== 201) throw new Error(`register ${username}: ${answer.status} ${answer.body}`)
}

export async function login (rotor: Rotor, username: string, password = PASSWORD): Promise<Session> {
  const answer = await httpRequest(`${rotor.url}/auth/login`, { method: 'POST', body: { username, password }, headers: { 'x-token-transport': 'body' } })
  if (answer.status !== 200) throw new Error(`login ${username}: ${answer.status} ${answer.body}`)
  const body = answer.json<{ accessToken: string, refreshToken: string }>()
  return { ...body, sid: claimsOf(body.accessToken).sid as string }
}

/** Logs out the session of `token`, retrying while Rotor cannot reach its store (503). */
export async function logout (rotor: Rotor, token: string): Promise<HttpAnswer> {
  let answer: HttpAnswer | undefined
  await waitFor(async () => {
    answer = await call(rotor, '/auth/logout', { method: 'POST', token }).catch(() => undefined)
    return answer !== undefined && answer.status !== 503
  }, 'a logout Rotor can answer')
  return answer as HttpAnswer
}

/** The upstream's answer through the gateway: 200 for a live session's token. */
export async function throughGateway (gateway: GatewayProcess, token: string): Promise<HttpAnswer> {
  return await gateway.get('/api/hello', token)
}

/**
 * Polls the gateway with `token` until it refuses it as a token of an ended session; resolves with
 * the ms from `since` (the ending call's answer) to the refusal. Any other answer but 200 throws.
 */
export async function gatewayRefusesAfter (gateway: GatewayProcess, token: string, since: number): Promise<number> {
  for (;;) {
    const answer = await throughGateway(gateway, token)
    if (answer.status === 401) {
      if (answer.json().code !== 'FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED') throw new Error(`the gateway refused with ${answer.body}`)
      return Date.now() - since
    }
    if (answer.status !== 200) throw new Error(`the gateway answered ${answer.status} ${answer.body}`)
    if (Date.now() - since > GIVE_UP_AFTER_MS) throw new Error(`the gateway still accepts the token ${GIVE_UP_AFTER_MS} ms after its session ended`)
    await sleep(10)
  }
}

/** The ids of the revocations the gateway logged receiving (`revocation-received`, debug level), in order. */
export function receivedIds (gateway: GatewayProcess): string[] {
  return gateway.events('revocation-received').map((line) => String(line.id))
}

/**
 * receivedIds once the line of `lastId` has come through: pino writes asynchronously, so a line can
 * reach the test after the answer that followed it. Lines come in order: every earlier one is in.
 */
export async function receivedIdsThrough (gateway: GatewayProcess, lastId: string | undefined): Promise<string[]> {
  await waitFor(() => lastId !== undefined && receivedIds(gateway).includes(lastId), `the gateway's revocation-received line of ${String(lastId)}`)
  return receivedIds(gateway)
}

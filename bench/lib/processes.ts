// Starting the processes under test: the Rotor server (built, from dist/) and the three HTTP
// baselines, each in a child process of its own, so none shares an event loop with the load.
import { randomBytes } from 'node:crypto'
import { startNode, type NodeChild } from './children.js'
import type { BenchKeys } from './keys.js'
import { AUDIENCE, ISSUER } from './tokens.js'

/** The server's key prefix (the contract's default, set explicitly so the bench's fills match). */
export const REDIS_PREFIX = 'auth:'

/**
 * Limits high enough never to answer 429 during a run: the bench measures work, not refusals. The
 * session cap is the highest allowed, so the login load (one user per connection, a few hundred
 * logins each in a full run) measures a login below it, as most are, rather than one that also
 * ends a session (SESSIONS_PER_USER_MAX: each login past 100 evicted one, about 1 ms of CPU more).
 */
const NO_LIMITS = { RATE_LIMIT_PER_MINUTE: '1000000000', LOGIN_MAX_FAILURES: '1000000000', SESSIONS_PER_USER_MAX: '1000' }

/** Where `--cpu-prof` profiles of the servers go; undefined when not profiling. */
let profileDir: string | undefined

export function profileServersInto (dir: string): void { profileDir = dir }

/** The feed token every server of a run accepts and the gateways present (a run's own secret). */
export const FEED_TOKEN = randomBytes(32).toString('base64url')

export interface ServerLaunch {
  /** Load the heap probe (bench/lib/heap-probe.ts) for memory readings. */
  heapProbe?: boolean
  /**
   * The server's app started by the bench (bench/baselines/rotor-app.ts) instead of
   * dist/src/server.js, its revocation check switched over IPC (NodeChild.ask).
   */
  switchableCheck?: boolean
}

export async function startServer (name: string, keys: BenchKeys, redisUrl: string, options: ServerLaunch = {}): Promise<NodeChild> {
  const profile = profileDir === undefined ? {} : { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir], gracefulStop: true }
  const switchable = options.switchableCheck === true
  return await startNode(name, switchable ? 'dist/bench/baselines/rotor-app.js' : 'dist/src/server.js', {
    REDIS_URL: redisUrl,
    REDIS_PREFIX,
    JWT_ALG: keys.alg,
    JWT_KEYS_DIR: keys.dir,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    COOKIE_SECURE: 'false',
    LOG_LEVEL: 'warn',
    REVOCATION_FEED_TOKENS: FEED_TOKEN,
    ...NO_LIMITS
  }, '/health', { ...profile, heapProbe: options.heapProbe, ipc: switchable })
}

export async function startBare (name = 'bare', securityHeaders = false): Promise<NodeChild> {
  return await startNode(name, 'dist/bench/baselines/bare.js', securityHeaders ? { BENCH_SECURITY_HEADERS: '1' } : {})
}

export async function startFjwt (keys: BenchKeys, name = 'fjwt'): Promise<NodeChild> {
  return await startNode(name, 'dist/bench/baselines/fjwt.js', {
    JWT_ALG: keys.alg,
    BENCH_VERIFY_KEY_FILE: keys.verifyKeyFile,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE
  })
}

export async function startRedis1 (redisUrl: string, accessTokenLength: number, name = 'redis1'): Promise<NodeChild> {
  return await startNode(name, 'dist/bench/baselines/redis1.js', {
    REDIS_URL: redisUrl,
    BENCH_ACCESS_TOKEN_LENGTH: String(accessTokenLength)
  })
}

/** redis1 plus the server's schemas, signer and headers (bench/baselines/redis1-sign.ts): the refresh target's baseline. */
export async function startRedis1Sign (redisUrl: string, keys: BenchKeys, refreshTokenLength: number, name = 'redis1+sign'): Promise<NodeChild> {
  return await startNode(name, 'dist/bench/baselines/redis1-sign.js', {
    REDIS_URL: redisUrl,
    JWT_ALG: keys.alg,
    JWT_KEYS_DIR: keys.dir,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    BENCH_REFRESH_TOKEN_LENGTH: String(refreshTokenLength)
  })
}

/** examples/fastify-gateway (built with the bench), following `rotorUrl`'s feed and JWKS. */
export async function startGateway (rotorUrl: string, keys: BenchKeys, options: { heapProbe?: boolean } = {}): Promise<NodeChild> {
  return await startNode('gateway', 'dist/examples/fastify-gateway/server.js', {
    ROTOR_URL: rotorUrl,
    ROTOR_FEED_TOKEN: FEED_TOKEN,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_ALG: keys.alg,
    GATEWAY_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn'
  }, '/health', { heapProbe: options.heapProbe, portVariable: 'GATEWAY_PORT' })
}

/** The same gateway on plain @fastify/jwt, no revocation check (bench/baselines/gateway-fjwt.ts). */
export async function startGatewayFjwt (keys: BenchKeys): Promise<NodeChild> {
  return await startNode('gateway-fjwt', 'dist/bench/baselines/gateway-fjwt.js', {
    JWT_ALG: keys.alg,
    BENCH_VERIFY_KEY_FILE: keys.verifyKeyFile,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    LOG_LEVEL: 'warn'
  }, '/health')
}

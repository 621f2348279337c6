// Starting the processes under test: the Rotor server (built, from dist/) and the three HTTP
// baselines, each in a child process of its own, so none shares an event loop with the load.
import { startNode, type NodeChild } from './children.js'
import type { BenchKeys } from './keys.js'
import { AUDIENCE, ISSUER } from './tokens.js'

/** The server's key prefix (the contract's default, set explicitly so the bench's fills match). */
export const REDIS_PREFIX = 'auth:'

/** Limits high enough never to answer 429 during a run: the bench measures work, not refusals. */
const NO_LIMITS = { RATE_LIMIT_PER_MINUTE: '1000000000', LOGIN_MAX_FAILURES: '1000000000' }

/** Where `--cpu-prof` profiles of the servers go; undefined when not profiling. */
let profileDir: string | undefined

export function profileServersInto (dir: string): void { profileDir = dir }

export async function startServer (name: string, keys: BenchKeys, redisUrl: string): Promise<NodeChild> {
  const launch = profileDir === undefined ? {} : { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir], gracefulStop: true }
  return await startNode(name, 'dist/src/server.js', {
    REDIS_URL: redisUrl,
    REDIS_PREFIX,
    JWT_ALG: keys.alg,
    JWT_KEYS_DIR: keys.dir,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    COOKIE_SECURE: 'false',
    LOG_LEVEL: 'warn',
    ...NO_LIMITS
  }, '/health', launch)
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

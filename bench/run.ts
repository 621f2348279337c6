// `npm run bench`: the Rotor server beside its baselines, each in its own process, on a redis-server
// started for the run, driven by autocannon in interleaved rounds. Prints a table (stdout), a
// progress line (stderr), and writes bench/results.json. See bench/README.md.
import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { mintAccessTokens, msUntilRefused, openSessions, type HeldSession } from './lib/client.js'
import { ROOT, startRedis, stopAll, type NodeChild } from './lib/children.js'
import { writeKeys, type Algorithm, type BenchKeys } from './lib/keys.js'
import { parseOptions, USAGE, type Options } from './lib/options.js'
import { profileServersInto, startBare, startFjwt, startRedis1, startRedis1Sign, startServer } from './lib/processes.js'
import { formatProfile, summariseProfiles } from './lib/profile.js'
import { done, step } from './lib/progress.js'
import { addNote, finish } from './lib/report.js'
import type { Plan } from './lib/rounds.js'
import { argon2Rate, logins, verifyHot } from './lib/targets.js'
import { sessionOf, storeRevocations, subjectOf, type StoredSession } from './lib/sessions.js'
import { signSessionTokens, signTokens } from './lib/tokens.js'
import { runGatewayScenarios } from './scenarios/gateway.js'
import { runLogin, runLoginVerify } from './scenarios/login.js'
import { runRefresh } from './scenarios/refresh.js'
import { runMemoryAndScale } from './scenarios/scale.js'
import { runVerifyCold, runVerifyHot, type VerifySetup } from './scenarios/verify.js'

interface Subject {
  /** The server, or (with --calibrate) nothing: each baseline then meets a copy of itself. */
  server: NodeChild | null
  sessions: HeldSession[]
  tokens: string[]
}

async function prepareSubject (options: Options, alg: Algorithm, server: NodeChild | null, keys: Awaited<ReturnType<typeof writeKeys>>): Promise<Subject> {
  if (server === null) {
    const tokens = signTokens(keys, options.coldTokens)
    const sessions = Array.from({ length: options.refreshSessions }, () => ({ username: '', accessToken: tokens[0] as string, refreshToken: 'rt_' + randomBytes(89).toString('base64url') }))
    return { server, sessions, tokens }
  }
  step(`${alg}: opening ${options.refreshSessions} sessions (register + login)`)
  const sessions = await openSessions(server.url, `bench-${alg.toLowerCase()}`, options.refreshSessions)
  if (!options.scenarios.has('verify-cold')) return { server, sessions, tokens: sessions.map((session) => session.accessToken) }
  if (options.quick) {
    // Quick signs them with the server's key for the sessions just opened (a few seconds less than
    // refreshing 20,000 times): the same claims, the same verification work.
    step(`${alg}: signing ${options.coldTokens} access tokens with the server's key`)
    const named = sessions.map((session) => sessionOf(session.accessToken))
    return { server, sessions, tokens: signSessionTokens(keys, Array.from({ length: options.coldTokens }, (_, i) => named[i % named.length] as { userId: string, sessionId: string })) }
  }
  step(`${alg}: minting ${options.coldTokens} access tokens by refreshing`)
  const tokens = await mintAccessTokens(server.url, sessions, options.coldTokens)
  return { server, sessions, tokens }
}

const LOAD_SCENARIOS = ['verify-hot', 'verify-cold', 'refresh', 'login', 'login+verify'] as const

async function benchAlgorithm (options: Options, alg: Algorithm, full: boolean, plan: Plan): Promise<void> {
  if (LOAD_SCENARIOS.some((scenario) => options.scenarios.has(scenario))) {
    await benchLoads(options, alg, full, plan)
    await stopAll()
  }
  if (full && !options.calibrate && options.scenarios.has('gateway')) {
    await runGatewayScenarios({ alg, keys: await writeKeys(alg), options, plan })
    await stopAll()
  }
  if (full && !options.calibrate && (options.scenarios.has('memory') || options.scenarios.has('scale'))) {
    await runMemoryAndScale({ alg, keys: await writeKeys(alg), options, plan: options.scalePlan })
    await stopAll()
  }
}

/** verify-hot and verify-cold; with `full` also refresh, login and login+verify. */
async function benchLoads (options: Options, alg: Algorithm, full: boolean, plan: Plan): Promise<void> {
  const want = options.scenarios
  const calibrate = options.calibrate
  step(`${alg}: starting redis-server, server and baselines`)
  const keys = await writeKeys(alg)
  const redis = await startRedis()
  const needRedis1 = full && want.has('refresh')
  const [bare, fjwt, server, bareCopy, fjwtCopy, bareWithHeaders] = await Promise.all([
    startBare(),
    startFjwt(keys),
    calibrate ? null : startServer(`rotor ${alg}`, keys, redis.url),
    calibrate ? startBare('bare (copy)') : null,
    calibrate ? startFjwt(keys, 'fjwt (copy)') : null,
    !calibrate && want.has('verify-hot') ? startBare('bare+headers', true) : null
  ])
  const { sessions, tokens } = await prepareSubject(options, alg, server, keys)
  const hotToken = tokens[0] as string
  // redis1 answers a token response as long as the server's, and redis1+sign a refresh token as long
  // as the server's: both started once real tokens are known.
  const refreshTokenLength = sessions[0]?.refreshToken.length ?? 122
  const [redis1, redis1Sign, redis1SignCopy] = await Promise.all([
    needRedis1 ? startRedis1(redis.url, hotToken.length) : null,
    needRedis1 ? startRedis1Sign(redis.url, keys, refreshTokenLength) : null,
    needRedis1 && calibrate ? startRedis1Sign(redis.url, keys, refreshTokenLength, 'redis1+sign (copy)') : null
  ])
  const hotSubject = server ?? bareCopy as NodeChild
  const coldSubject = server ?? fjwtCopy as NodeChild
  const setup = {
    alg,
    hotSubject: { name: hotSubject.name, url: hotSubject.url, pid: hotSubject.process.pid },
    coldSubject: { name: coldSubject.name, url: coldSubject.url },
    bare: { url: bare.url, pid: bare.process.pid },
    bareWithHeaders: bareWithHeaders === null ? undefined : { url: bareWithHeaders.url, pid: bareWithHeaders.process.pid },
    fjwtUrl: fjwt.url,
    hotToken,
    coldTokens: tokens,
    connections: options.verifyConnections,
    // The informational row against plain bare: the full algorithm only (the default run's budget).
    bareInfo: full
  }
  if (want.has('verify-hot')) {
    const checkCost = full && server !== null ? await startCheckCostSide(keys, redis.url, options) : undefined
    await runVerifyHot({ ...setup, checkCost }, plan)
    await checkCost?.app.stop()
  }
  if (want.has('verify-cold')) await runVerifyCold(setup, plan)
  if (redis1 !== null && redis1Sign !== null) {
    const subject = server ?? redis1SignCopy as NodeChild
    await runRefresh({
      alg,
      subject: { name: subject.name, url: subject.url, pid: subject.process.pid },
      sessions,
      redis1: { url: redis1.url, pid: redis1.process.pid },
      redis1Sign: { url: redis1Sign.url, pid: redis1Sign.process.pid },
      redis: { url: redis.url, pid: redis.process.pid },
      countRoundTrips: server !== null
    }, plan)
  }
  if (full && want.has('login')) {
    const argon2 = argon2Rate('argon2')
    const loginPlan = options.loginPlan
    if (server === null) await runLogin(alg, argon2Rate('argon2 (copy)'), argon2, loginPlan, options.loginConnections)
    else await runLogin(alg, logins(server.name, server.url, await loginUsers(server, alg, options), options.loginConnections), argon2, loginPlan, options.loginConnections)
  }
  if (full && want.has('login+verify')) {
    const verify = verifyHot(`verify ${hotSubject.name}`, hotSubject.url, hotToken, options.verifyConnections)
    const flood = server === null
      ? argon2Rate('argon2 process')
      : logins('login flood', server.url, await loginUsers(server, alg, options), options.loginConnections)
    await runLoginVerify(alg, verify, flood, plan)
  }
}

/**
 * The revocation check's rows (scenarios/verify.ts): `revocationsInForce` revocations written to the
 * run's store, and on it one process of the server's app whose check the rounds switch
 * (bench/baselines/rotor-app.ts), known to have read them once it refuses the last one's token.
 */
async function startCheckCostSide (keys: BenchKeys, redisUrl: string, options: Options): Promise<NonNullable<VerifySetup['checkCost']>> {
  const inForce = options.revocationsInForce
  step(`verify-hot: ${inForce.toLocaleString('en-US')} revocations in force; starting rotor-app`)
  const revoked = await storeRevocations(redisUrl, inForce)
  const app = await startServer('rotor-app', keys, redisUrl, { switchableCheck: true })
  const [held] = await openSessions(app.url, 'bench-check', 1)
  const token = held?.accessToken ?? ''
  await app.ask({ check: 'on' })
  await untilRefused(app, signSessionTokens(keys, [{ ...revoked.at(-1) as StoredSession, userId: subjectOf(token) }])[0] as string)
  return { inForce, app, token }
}

/** Waits until `server` refuses `token` as a token of an ended session (it has read its revocation). */
async function untilRefused (server: NodeChild, token: string): Promise<void> {
  if (await msUntilRefused(server.url, token, 'AUTH_SESSION_ENDED', 30_000) === null) {
    throw new Error(`${server.name} still accepts a token of a session revoked through the store 30 s later`)
  }
}

const loginUserCache = new Map<NodeChild, string[]>()

/** One account per login connection, registered once per server. */
async function loginUsers (server: NodeChild, alg: Algorithm, options: Options): Promise<string[]> {
  const cached = loginUserCache.get(server)
  if (cached !== undefined) return cached
  step(`${alg}: registering ${options.loginConnections} login users`)
  const prefix = `bench-login-${alg.toLowerCase()}`
  const held = await openSessions(server.url, prefix, options.loginConnections)
  const usernames = held.map((session) => session.username)
  loginUserCache.set(server, usernames)
  return usernames
}

async function main (): Promise<void> {
  let options: Options
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  const startedAt = new Date().toISOString()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => { void stopAll().finally(() => process.exit(130)) })
  }
  if (options.calibrate) addNote('--calibrate: every "server" figure is a second copy of the baseline; ratios show the harness noise')
  try {
    // Each algorithm gets its own processes, stopped before the next starts (two cores: nothing idle
    // should linger beside a load).
    const algorithms: Array<[Algorithm, boolean, Plan]> = [[options.alg, true, options.plan], ...options.verifyOnlyAlgs.map((alg): [Algorithm, boolean, Plan] => [alg, false, options.otherPlan])]
    const profileDir = join(ROOT, 'bench', 'profiles', startedAt.replace(/[:.]/g, '-'))
    if (options.cpuProf) {
      await mkdir(profileDir, { recursive: true })
      profileServersInto(profileDir)
    }
    for (const [alg, full, plan] of algorithms) await benchAlgorithm(options, alg, full, plan)
    done()
    if (options.cpuProf) {
      const summaries = await summariseProfiles(profileDir)
      for (const summary of summaries) {
        process.stdout.write(formatProfile(summary) + '\n\n')
        addNote(`profile ${summary.file}: top self time ${summary.functions.slice(0, 3).map(({ name, share }) => `${name} ${(share * 100).toFixed(1)}%`).join(', ')}`)
      }
    }
    await finish({ startedAt, argv: process.argv.slice(2), quick: options.quick, calibrate: options.calibrate, plan: options.plan, otherPlan: options.otherPlan, loginPlan: options.loginPlan, scalePlan: options.scalePlan })
  } finally {
    await stopAll()
  }
}

main().catch(async (error: unknown) => {
  console.error('\nbench failed:', error)
  await stopAll()
  process.exitCode = 1
})

// Command-line options of `npm run bench -- [options]` and the plan (round counts and lengths) they
// choose. Kept apart from run.ts so the scenarios can read them.
import { parseArgs } from 'node:util'
import { ALGORITHMS, type Algorithm } from './keys.js'
import type { Plan } from './rounds.js'

export const SCENARIOS = ['verify-hot', 'verify-cold', 'refresh', 'login', 'login+verify', 'memory', 'scale', 'gateway'] as const
export type Scenario = (typeof SCENARIOS)[number]

export interface Options {
  quick: boolean
  /** Every scenario runs for this algorithm. */
  alg: Algorithm
  /** Algorithms that get the verify scenarios only (the default run's other three). */
  verifyOnlyAlgs: Algorithm[]
  /** Baselines against themselves: shows the harness's noise (ratios should be about 1). */
  calibrate: boolean
  /** Run the servers under node --cpu-prof and summarise where their time went. */
  cpuProf: boolean
  scenarios: Set<Scenario>
  plan: Plan
  /** Plan for the verify-only algorithms (shorter, to fit the default run in five minutes). */
  otherPlan: Plan
  /** Plan for login (fewer answers a second: longer rounds and warm-up, see below). */
  loginPlan: Plan
  /** Plan for scale (one more round, longer warm-up). */
  scalePlan: Plan
  /** Starts of both scale servers the scale rounds are split over (quick: one). */
  scaleStarts: number
  coldTokens: number
  refreshSessions: number
  memorySessions: number
  scaleSmall: number
  scaleLarge: number
  verifyConnections: number
  loginConnections: number
  /** Revocations in force in the server's store while verify-hot runs (the check's cost rows). */
  revocationsInForce: number
  /** Revocations in force for the feed memory rows (and during gateway verify). */
  feedRevocations: number
  /** Logouts timed by the revocation latency row, and how many run at once. */
  logouts: number
  logoutConcurrency: number
}

export const USAGE = `npm run bench -- [options]
  --quick            EdDSA only, 2 rounds of 0.6 s, memory over 10k sessions, scale 1k vs 50k on one
                     start (under a minute: a smoke test of every row, not a verdict)
  --alg <alg>        run every scenario for one of ${ALGORITHMS.join(', ')} (default: EdDSA in full,
                     plus verify-hot and verify-cold for the other three)
  --only <a,b,...>   scenarios to run: ${SCENARIOS.join(', ')}
  --rounds <n>       measured rounds per side (default 3, quick 2)
  --seconds <s>      seconds per round (default 2, quick 0.6)
  --cold-tokens <n>  distinct tokens verify-cold cycles (default 20000: twice the server's cache)
  --scale-large <n>  sessions for the large side of scale (default 1000000, quick 50000)
  --calibrate        each baseline against a second copy of itself (no server needed): ratios ≈ 1
  --cpu-prof         run the servers under node --cpu-prof (bench/profiles/) and print where their
                     time went; use with --only, one scenario at a time
  --help`

export function parseOptions (argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      alg: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      'scale-large': { type: 'string' },
      'cold-tokens': { type: 'string' },
      calibrate: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help === true) {
    process.stdout.write(USAGE + '\n')
    process.exit(0)
  }
  if (values.alg !== undefined && !(ALGORITHMS as readonly string[]).includes(values.alg)) {
    throw new Error(`--alg ${values.alg}: expected one of ${ALGORITHMS.join(', ')}`)
  }
  const scenarios = new Set<Scenario>(values.only === undefined ? SCENARIOS : [])
  for (const name of values.only?.split(',') ?? []) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only ${name}: expected some of ${SCENARIOS.join(', ')}`)
    scenarios.add(name as Scenario)
  }
  const quick = values.quick === true
  const alg = (values.alg ?? 'EdDSA') as Algorithm
  const rounds = values.rounds === undefined ? (quick ? 2 : 3) : Number(values.rounds)
  const seconds = values.seconds === undefined ? (quick ? 0.6 : 2) : Number(values.seconds)
  if (!(rounds >= 1) || !(seconds > 0)) throw new Error('--rounds and --seconds must be positive')
  return {
    quick,
    alg,
    verifyOnlyAlgs: quick || values.alg !== undefined ? [] : ALGORITHMS.filter((other) => other !== alg),
    calibrate: values.calibrate === true,
    cpuProf: values['cpu-prof'] === true,
    scenarios,
    plan: { rounds, seconds, warmup: quick ? 0.25 : 1 },
    otherPlan: { rounds: Math.min(rounds, 2), seconds: Math.min(seconds, 1.5), warmup: 0.5 },
    // A login round answers a few hundred requests, and each round loses its first ~latency (8 in
    // flight on two hashing cores: 100-200 ms) to ramp-up: longer rounds make that a smaller share.
    // The warm-up is longer too: at this rate V8 needs longer to optimise the login path.
    loginPlan: { rounds, seconds: quick ? Math.max(seconds, 0.8) : seconds * 1.6, warmup: quick ? 0.5 : 2 },
    // Two servers, each on its own redis-server: a fourth round and a longer warm-up let both
    // redis-servers settle after the fill (incremental rehashing of a dict that just grew).
    scalePlan: { rounds: quick ? rounds : rounds + 1, seconds, warmup: quick ? 0.25 : 2 },
    scaleStarts: quick ? 1 : 2,
    // Twice the server's default verified-token cache (src/domain/verified-token-cache.ts), so cycling
    // them misses it every time: verify-cold measures verification from scratch.
    coldTokens: values['cold-tokens'] === undefined ? 20_000 : Number(values['cold-tokens']),
    refreshSessions: 50,
    // Quick measures memory over fewer sessions (bytes per session hardly move past a few thousand)
    // and scale at 100k: a smoke test of the path, not the target's figure.
    memorySessions: quick ? 10_000 : 100_000,
    scaleSmall: 1_000,
    scaleLarge: values['scale-large'] === undefined ? (quick ? 50_000 : 1_000_000) : Number(values['scale-large']),
    verifyConnections: 16,
    loginConnections: 8,
    revocationsInForce: 10_000,
    // Feed memory reads the heap at this many and twice as many (scenarios/gateway.ts).
    feedRevocations: quick ? 5_000 : 10_000,
    logouts: quick ? 100 : 1_000,
    logoutConcurrency: 4
  }
}

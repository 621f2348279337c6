// refresh: 50 sessions, each request presenting the token its predecessor returned, against
// redis1+sign (the target's baseline: issue 18) with redis1 beside it as information, all three in
// the same interleaved rounds; the server's CPU per refresh against redis1+sign's; and the Redis
// round trips of one refresh, counted with MONITOR over a sequential sample.
import { Redis } from 'ioredis'
import { refresh, type HeldSession } from '../lib/client.js'
import { cpuNote, cpuPerRequest, withCpu, type CpuRound } from '../lib/cpu.js'
import { callsDelta, commandCalls, countClientCommands } from '../lib/redis-stats.js'
import { addRow } from '../lib/report.js'
import { interleaveAll, ratioSpread, type Plan, type Summary, type Target } from '../lib/rounds.js'
import { refreshChains } from '../lib/targets.js'

export interface RefreshSetup {
  alg: string
  subject: { name: string, url: string, pid?: number }
  /** The subject's sessions, whose tokens move on as the load runs. */
  sessions: HeldSession[]
  redis1: { url: string, pid?: number }
  redis1Sign: { url: string, pid?: number }
  /** The redis-server behind the subject (and redis1). */
  redis: { url: string, pid?: number }
  /** False in --calibrate, where the subject is redis1 itself. */
  countRoundTrips: boolean
}

const SAMPLE = 200
/** Issue 18: the server's CPU per refresh at most this many times redis1+sign's. */
const CPU_TARGET = 1.4

function figures (summary: Summary): { unit: string, value: number, p50: number, p99: number } {
  return { unit: 'req/s', value: summary.rps, p50: summary.p50, p99: summary.p99 }
}

/** The server process's µs per request, round by round (the /proc reading of withCpu). */
function serverCpu (rounds: CpuRound[]): number[] {
  return rounds.map((round) => round.server ?? NaN)
}


/** Keeps INFO commandstats deltas and 2xx counts over the rounds of `target` only. */
function countingCommands (target: Target, redis: Redis, totals: { requests: number, calls: Record<string, number> }): Target {
  return {
    name: target.name,
    run: async (seconds, onTick) => {
      const before = await commandCalls(redis)
      const result = await target.run(seconds, onTick)
      for (const [command, calls] of Object.entries(callsDelta(before, await commandCalls(redis)))) {
        totals.calls[command] = (totals.calls[command] ?? 0) + calls
      }
      totals.requests += result.ok
      return result
    }
  }
}

export async function runRefresh (setup: RefreshSetup, plan: Plan): Promise<void> {
  const redis = new Redis(setup.redis.url)
  try {
    const totals = { requests: 0, calls: {} as Record<string, number> }
    // The baselines get their own copies: their answers carry dummy tokens that must not replace real ones.
    const parts = (pid: number | undefined): Record<string, number | 'self' | undefined> => ({ server: pid, 'redis-server': setup.redis.pid, 'load generator': 'self' })
    const subject = withCpu(
      countingCommands(refreshChains(setup.subject.name, setup.subject.url, setup.sessions), redis, totals),
      parts(setup.subject.pid)
    )
    const sign = withCpu(refreshChains('redis1+sign', setup.redis1Sign.url, setup.sessions.map((session) => ({ ...session }))), parts(setup.redis1Sign.pid))
    const bare = withCpu(refreshChains('redis1', setup.redis1.url, setup.sessions.map((session) => ({ ...session }))), parts(setup.redis1.pid))
    // The server in the middle (A B C, C B A): its rounds are then never more than two rounds apart.
    // Each round's end cuts a refresh in flight, so a chain resumes with the token before it, which
    // the server takes back as a replay only within its grace period (10 s); at the end of the
    // order its rounds would come four rounds (10 s) apart and chains would end as reuse.
    const [signed, measured, redis1] = await interleaveAll(`refresh ${setup.alg}`, [sign, subject, bare], plan) as [Summary, Summary, Summary]
    const perRefresh = Object.entries(totals.calls)
      .filter(([, calls]) => calls / Math.max(1, totals.requests) >= 0.005)
      .sort((a, b) => b[1] - a[1])
      .map(([command, calls]) => `${command} ${(calls / Math.max(1, totals.requests)).toFixed(2)}`)
      .join(', ')
    const cpu = cpuNote(subject, sign, signed.rps)
    const ratio = measured.rps / signed.rps
    addRow({
      scenario: 'refresh',
      alg: setup.alg,
      subject: figures(measured),
      baselineName: 'redis1+sign',
      baseline: figures(signed),
      ratio,
      target: '≥ 0.75 × redis1+sign',
      met: ratio >= 0.75,
      failed: measured.failed,
      notes: [
        `${setup.sessions.length} sessions, one connection each, body transport; redis1+sign = the same body through the server's schemas, one EVALSHA of 'return 1', one access token signed by the server's signer, security headers, a random refresh token`,
        `INFO commandstats per refresh during the load (calls inside scripts included): ${perRefresh}`,
        ...cpu === null ? [] : [cpu]
      ],
      rounds: { subject: measured, baseline: signed }
    })
    const redis1Cpu = cpuNote(subject, bare, redis1.rps)
    addRow({
      scenario: 'refresh (info)',
      alg: setup.alg,
      subject: figures(measured),
      baselineName: 'redis1',
      baseline: figures(redis1),
      ratio: measured.rps / redis1.rps,
      target: '— (not a target)',
      met: null,
      failed: measured.failed,
      notes: [
        'redis1 = the same body, one EVALSHA, a fixed answer of the same size: no signing; measured in the same rounds as the refresh row',
        ...redis1Cpu === null ? [] : [redis1Cpu]
      ],
      rounds: { subject: measured, baseline: redis1 }
    })
    const serverSide = cpuPerRequest(subject.cpuRounds)?.parts.server
    const signSide = cpuPerRequest(sign.cpuRounds)?.parts.server
    if (serverSide !== undefined && signSide !== undefined) {
      const cpuRatio = serverSide / signSide
      addRow({
        scenario: 'refresh CPU',
        alg: setup.alg,
        subject: { unit: 'µs/refresh', value: serverSide },
        baselineName: 'redis1+sign',
        baseline: { unit: 'µs/refresh', value: signSide },
        ratio: cpuRatio,
        target: `≤ ${CPU_TARGET} × redis1+sign`,
        met: cpuRatio <= CPU_TARGET,
        failed: 0,
        notes: ['CPU time of the HTTP server process alone (utime + stime from /proc/<pid>/stat) per 2xx answer, median of the refresh rounds'],
        rounds: { subject: measured, baseline: signed },
        spread: ratioSpread(serverCpu(subject.cpuRounds), serverCpu(sign.cpuRounds))
      })
    }
    if (!setup.countRoundTrips) return
    const session = setup.sessions[0] as HeldSession
    const counted = await countClientCommands(setup.redis.url, async () => {
      for (let i = 0; i < SAMPLE; i++) await refresh(setup.subject.url, session)
      return SAMPLE
    })
    const byCommand = Object.entries(counted.byCommand).map(([command, count]) => `${command} ${count.toFixed(2)}`).join(', ')
    addRow({
      scenario: 'refresh round trips',
      alg: setup.alg,
      subject: { unit: 'RT/refresh', value: counted.perOperation },
      baselineName: '—',
      ratio: NaN,
      target: '= 1',
      met: Math.abs(counted.perOperation - 1) < 0.005,
      failed: 0,
      notes: [`commands clients sent per refresh (MONITOR, ${SAMPLE} sequential refreshes, script-internal calls left out): ${byCommand}`]
    })
  } finally {
    redis.disconnect()
  }
}

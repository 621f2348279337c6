// refresh: 50 sessions, each request presenting the token its predecessor returned, against redis1;
// and the Redis round trips of one refresh, counted with MONITOR over a sequential sample.
import { Redis } from 'ioredis'
import { refresh, type HeldSession } from '../lib/client.js'
import { cpuNote, withCpu } from '../lib/cpu.js'
import { callsDelta, commandCalls, countClientCommands } from '../lib/redis-stats.js'
import { addRow } from '../lib/report.js'
import { interleave, type Plan, type Target } from '../lib/rounds.js'
import { refreshChains } from '../lib/targets.js'

export interface RefreshSetup {
  alg: string
  subject: { name: string, url: string, pid?: number }
  /** The subject's sessions, whose tokens move on as the load runs. */
  sessions: HeldSession[]
  redis1: { url: string, pid?: number }
  /** The redis-server behind the subject (and redis1). */
  redis: { url: string, pid?: number }
  /** False in --calibrate, where the subject is redis1 itself. */
  countRoundTrips: boolean
}

const SAMPLE = 200

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
    // The baseline gets its own copies: its answers carry dummy tokens that must not replace real ones.
    const baselineSessions = setup.sessions.map((session) => ({ ...session }))
    const subject = withCpu(
      countingCommands(refreshChains(setup.subject.name, setup.subject.url, setup.sessions), redis, totals),
      { server: setup.subject.pid, 'redis-server': setup.redis.pid, 'load generator': 'self' }
    )
    const baseline = withCpu(
      refreshChains('redis1', setup.redis1.url, baselineSessions),
      { server: setup.redis1.pid, 'redis-server': setup.redis.pid, 'load generator': 'self' }
    )
    const measured = await interleave(`refresh ${setup.alg}`, subject, baseline, plan)
    const cpu = cpuNote(subject, baseline, measured.baseline.rps)
    const ratio = measured.subject.rps / measured.baseline.rps
    const perRefresh = Object.entries(totals.calls)
      .filter(([, calls]) => calls / Math.max(1, totals.requests) >= 0.005)
      .sort((a, b) => b[1] - a[1])
      .map(([command, calls]) => `${command} ${(calls / Math.max(1, totals.requests)).toFixed(2)}`)
      .join(', ')
    addRow({
      scenario: 'refresh',
      alg: setup.alg,
      subject: { unit: 'req/s', value: measured.subject.rps, p50: measured.subject.p50, p99: measured.subject.p99 },
      baselineName: 'redis1',
      baseline: { unit: 'req/s', value: measured.baseline.rps, p50: measured.baseline.p50, p99: measured.baseline.p99 },
      ratio,
      target: '≥ 0.5 × redis1',
      met: ratio >= 0.5,
      failed: measured.subject.failed,
      notes: [
        `${setup.sessions.length} sessions, one connection each, body transport`,
        `INFO commandstats per refresh during the load (calls inside scripts included): ${perRefresh}`,
        ...cpu === null ? [] : [cpu]
      ],
      rounds: measured
    })
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

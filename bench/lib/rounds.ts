// Interleaved rounds: subject and baseline take turns (ABBA order, so a slow drift of the machine
// lands on both), each round the same length, and the reported figure is the median of the rounds.
import type { LoadResult } from './load.js'
import { detail, step } from './progress.js'

export interface Target {
  name: string
  /** One run of `seconds`; onTick reports 2xx answers so far. */
  run (seconds: number, onTick: (completed: number) => void): Promise<LoadResult>
}

export interface Summary {
  /** Medians over the rounds. */
  rps: number
  p50: number
  p99: number
  ok: number
  failed: number
  statusCodes: Record<string, number>
  rounds: LoadResult[]
}

export interface Plan {
  rounds: number
  /** Seconds per round. */
  seconds: number
  /** Seconds of unrecorded load on each target first (JIT, connection pools, caches). */
  warmup: number
}

export function median (values: number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function summarise (rounds: LoadResult[]): Summary {
  const statusCodes: Record<string, number> = {}
  for (const round of rounds) {
    for (const [code, count] of Object.entries(round.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count
  }
  return {
    rps: median(rounds.map((round) => round.rps)),
    p50: median(rounds.map((round) => round.p50)),
    p99: median(rounds.map((round) => round.p99)),
    ok: rounds.reduce((sum, round) => sum + round.ok, 0),
    failed: rounds.reduce((sum, round) => sum + round.failed, 0),
    statusCodes,
    rounds
  }
}

async function measure (label: string, target: Target, seconds: number): Promise<LoadResult> {
  step(label)
  return await target.run(seconds, (completed) => { detail(`${completed} ok`) })
}

/** Runs `subject` and `baseline` in alternating rounds; returns the median of each. */
export async function interleave (scenario: string, subject: Target, baseline: Target, plan: Plan): Promise<{ subject: Summary, baseline: Summary }> {
  if (plan.warmup > 0) {
    await measure(`${scenario}: warm-up ${baseline.name}`, baseline, plan.warmup)
    await measure(`${scenario}: warm-up ${subject.name}`, subject, plan.warmup)
  }
  const subjectRounds: LoadResult[] = []
  const baselineRounds: LoadResult[] = []
  for (let round = 1; round <= plan.rounds; round++) {
    const order = round % 2 === 1 ? [baseline, subject] : [subject, baseline]
    for (const target of order) {
      const result = await measure(`${scenario}: ${target.name} round ${round}/${plan.rounds}`, target, plan.seconds)
      ;(target === subject ? subjectRounds : baselineRounds).push(result)
    }
  }
  return { subject: summarise(subjectRounds), baseline: summarise(baselineRounds) }
}

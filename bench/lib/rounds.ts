// Interleaved rounds: subject and baseline take turns (ABBA order, so a slow drift of the machine
// lands on both; with more sides ABC CBA), each round the same length, and the reported figure is the median of the rounds.
import type { LoadResult } from './load.js'
import { detail, step } from './progress.js'

export interface Target {
  name: string
  /** One run of `seconds`; onTick reports 2xx answers so far; `warmup` is true for an unrecorded warm-up. */
  run (seconds: number, onTick: (completed: number) => void, warmup?: boolean): Promise<LoadResult>
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

async function measure (label: string, target: Target, seconds: number, warmup = false): Promise<LoadResult> {
  step(label)
  return await target.run(seconds, (completed) => { detail(`${completed} ok`) }, warmup)
}

/**
 * Runs `targets` in turns within each round, the order reversed every other round (A B C, C B A, …),
 * after one warm-up of each; returns each target's summary, in the order given.
 */
export async function interleaveAll (scenario: string, targets: Target[], plan: Plan): Promise<Summary[]> {
  if (plan.warmup > 0) {
    for (const target of targets) await measure(`${scenario}: warm-up ${target.name}`, target, plan.warmup, true)
  }
  const results = targets.map((): LoadResult[] => [])
  for (let round = 1; round <= plan.rounds; round++) {
    const order = targets.map((target, index) => ({ target, index }))
    if (round % 2 === 0) order.reverse()
    for (const { target, index } of order) {
      ;(results[index] as LoadResult[]).push(await measure(`${scenario}: ${target.name} round ${round}/${plan.rounds}`, target, plan.seconds))
    }
  }
  return results.map(summarise)
}

/** Runs `subject` and `baseline` in alternating rounds (ABBA); returns the median of each. */
export async function interleave (scenario: string, subject: Target, baseline: Target, plan: Plan): Promise<{ subject: Summary, baseline: Summary }> {
  const [baselineSummary, subjectSummary] = await interleaveAll(scenario, [baseline, subject], plan) as [Summary, Summary]
  return { subject: subjectSummary, baseline: baselineSummary }
}

/**
 * Largest share by which one round's ratio (subject ÷ baseline of `pick`, round by round) strays
 * from their median; NaN (unknown: a row says "noisy") with fewer than two rounds.
 */
export function roundSpread (subject: Summary, baseline: Summary, pick: (round: LoadResult) => number = (round) => round.rps): number {
  return ratioSpread(subject.rounds.map(pick), baseline.rounds.map(pick))
}

/** The same for two series of per-round figures, paired by index. */
export function ratioSpread (subject: number[], baseline: number[]): number {
  if (subject.length < 2) return NaN
  const ratios = subject.map((value, index) => value / (baseline[index] ?? NaN))
  const middle = median(ratios)
  if (Number.isNaN(middle) || middle === 0) return NaN
  return Math.max(...ratios.map((ratio) => Number.isNaN(ratio) ? Infinity : Math.abs(ratio / middle - 1)))
}

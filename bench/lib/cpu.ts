// Where a load's CPU goes: microseconds of CPU per answered request for each process behind it (the
// HTTP server, redis-server, and this process, which runs autocannon), read from /proc around every
// measured round. Every process shares the machine's cores, so the sum per request bounds the rate:
// a side that needs T µs of CPU per request cannot answer more than cores / T requests a second,
// however its work is spread over threads. Linux only; elsewhere the figures are left out.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { LoadResult } from './load.js'
import { median, type Target } from './rounds.js'

// /proc/<pid>/stat counts in USER_HZ, which the kernel fixes at 100 for every user-space ABI (times(2)).
const USER_HZ = 100

/** utime + stime of `pid` (all its threads), in µs; null where /proc cannot tell. */
function processCpuMicros (pid: number): number | null {
  try {
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1_000_000 / USER_HZ
  } catch {
    return null
  }
}

function selfCpuMicros (): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** The processes behind one side of a comparison: name → pid, or 'self' for the load generator. */
export type CpuParts = Record<string, number | 'self' | undefined>

/** Per round: name → µs of CPU per 2xx answer. */
export type CpuRound = Record<string, number>

function readAll (parts: CpuParts): Record<string, number | null> {
  const readings: Record<string, number | null> = {}
  for (const [name, pid] of Object.entries(parts)) {
    readings[name] = pid === 'self' ? selfCpuMicros() : pid === undefined ? null : processCpuMicros(pid)
  }
  return readings
}

/** `target`, with the CPU its processes spent in each measured round (not warm-ups) kept in `cpuRounds`. */
export function withCpu (target: Target, parts: CpuParts): Target & { cpuRounds: CpuRound[] } {
  const cpuRounds: CpuRound[] = []
  return {
    name: target.name,
    cpuRounds,
    run: async (seconds, onTick, warmup) => {
      if (warmup === true) return await target.run(seconds, onTick, warmup)
      const before = readAll(parts)
      const result: LoadResult = await target.run(seconds, onTick)
      const after = readAll(parts)
      const round: CpuRound = {}
      for (const [name, start] of Object.entries(before)) {
        const end = after[name]
        if (start !== null && end !== null && end !== undefined && result.ok > 0) round[name] = (end - start) / result.ok
      }
      cpuRounds.push(round)
      return result
    }
  }
}

/** Median µs per request of each part, and their sum; null when no round could be read. */
export function cpuPerRequest (rounds: CpuRound[]): { parts: Record<string, number>, total: number } | null {
  const names = Object.keys(rounds[0] ?? {})
  if (names.length === 0) return null
  const parts: Record<string, number> = {}
  for (const name of names) parts[name] = median(rounds.map((round) => round[name] ?? NaN))
  return { parts, total: Object.values(parts).reduce((sum, value) => sum + value, 0) }
}

function describe (name: string, cpu: { parts: Record<string, number>, total: number }): string {
  const parts = Object.entries(cpu.parts).map(([part, micros]) => `${part} ${micros.toFixed(0)}`).join(' + ')
  return `${name}: ${parts} = ${cpu.total.toFixed(0)} µs`
}

/**
 * A note comparing both sides' CPU per request, and the ratio the machine's cores would allow the
 * subject at most if every core were busy, against the baseline's measured rate.
 */
export function cpuNote (subject: { name: string, cpuRounds: CpuRound[] }, baseline: { name: string, cpuRounds: CpuRound[] }, baselineRps: number): string | null {
  const subjectCpu = cpuPerRequest(subject.cpuRounds)
  const baselineCpu = cpuPerRequest(baseline.cpuRounds)
  if (subjectCpu === null || baselineCpu === null) return null
  const cores = availableParallelism()
  const ceiling = cores * 1_000_000 / subjectCpu.total
  return `CPU per request (/proc, median of rounds) — ${describe(subject.name, subjectCpu)}; ${describe(baseline.name, baselineCpu)}. ` +
    `With all ${cores} cores busy the subject could answer at most ${Math.round(ceiling).toLocaleString('en-US')}/s = ${(ceiling / baselineRps).toFixed(2)} × the baseline's measured rate`
}

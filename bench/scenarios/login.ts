// login (valid logins against the raw argon2id verify rate) and login + verify (verify-hot's p99
// while a login flood runs, against its p99 alone).
import { addRow } from '../lib/report.js'
import { interleave, median, type Plan, type Target } from '../lib/rounds.js'
import { alongside } from '../lib/targets.js'

export async function runLogin (alg: string, subject: Target, argon2: Target, plan: Plan, connections: number): Promise<void> {
  const measured = await interleave(`login ${alg}`, subject, argon2, plan)
  const ratio = measured.subject.rps / measured.baseline.rps
  addRow({
    scenario: 'login',
    alg,
    subject: { unit: 'req/s', value: measured.subject.rps, p50: measured.subject.p50, p99: measured.subject.p99 },
    baselineName: 'argon2',
    baseline: { unit: 'req/s', value: measured.baseline.rps, p50: measured.baseline.p50, p99: measured.baseline.p99 },
    ratio,
    target: '≥ 0.9 × argon2',
    met: ratio >= 0.9,
    failed: measured.subject.failed,
    notes: [`${connections} connections; argon2 = raw verify rate of one thread per core verifying back to back, in a process of its own kept for every round`],
    rounds: measured
  })
}

export async function runLoginVerify (alg: string, verify: Target, flood: Target, plan: Plan): Promise<void> {
  const beside = alongside(`${verify.name} + ${flood.name}`, verify, flood)
  const measured = await interleave(`login+verify ${alg}`, beside, verify, { ...plan, warmup: 0 })
  const ratio = measured.subject.p99 / measured.baseline.p99
  const floodRate = median(beside.besideResults.map((result) => result.rps))
  addRow({
    scenario: 'login+verify',
    alg,
    subject: { unit: 'req/s', value: measured.subject.rps, p50: measured.subject.p50, p99: measured.subject.p99 },
    baselineName: 'verify alone',
    baseline: { unit: 'req/s', value: measured.baseline.rps, p50: measured.baseline.p50, p99: measured.baseline.p99 },
    ratio,
    target: 'p99 ≤ 5 × alone',
    met: ratio <= 5,
    failed: measured.subject.failed,
    notes: [`ratio is of p99; ${flood.name} ran at ${floodRate.toFixed(1)}/s beside the verify load`],
    rounds: measured
  })
}

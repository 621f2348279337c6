// verify-hot (one token repeated, against bare) and verify-cold (10,000+ distinct live tokens
// cycled, against fjwt), both GET /api/me.
import { addRow } from '../lib/report.js'
import { interleave, type Plan, type Summary } from '../lib/rounds.js'
import { verifyCold, verifyHot } from '../lib/targets.js'

export interface VerifySetup {
  alg: string
  /** What is measured: the server, or in --calibrate a second copy of the baseline. */
  hotSubject: { name: string, url: string }
  coldSubject: { name: string, url: string }
  bareUrl: string
  fjwtUrl: string
  hotToken: string
  coldTokens: string[]
  connections: number
}

function figures (summary: Summary): { unit: string, value: number, p50: number, p99: number } {
  return { unit: 'req/s', value: summary.rps, p50: summary.p50, p99: summary.p99 }
}

export async function runVerifyHot (setup: VerifySetup, plan: Plan): Promise<void> {
  const { subject, baseline } = await interleave(
    `verify-hot ${setup.alg}`,
    verifyHot(setup.hotSubject.name, setup.hotSubject.url, setup.hotToken, setup.connections),
    verifyHot('bare', setup.bareUrl, setup.hotToken, setup.connections),
    plan
  )
  const ratio = subject.rps / baseline.rps
  addRow({
    scenario: 'verify-hot',
    alg: setup.alg,
    subject: figures(subject),
    baselineName: 'bare',
    baseline: figures(baseline),
    ratio,
    target: '≥ 0.85 × bare',
    met: ratio >= 0.85,
    failed: subject.failed,
    notes: [],
    rounds: { subject, baseline }
  })
}

export async function runVerifyCold (setup: VerifySetup, plan: Plan): Promise<void> {
  const { subject, baseline } = await interleave(
    `verify-cold ${setup.alg}`,
    verifyCold(setup.coldSubject.name, setup.coldSubject.url, setup.coldTokens, setup.connections),
    verifyCold('fjwt', setup.fjwtUrl, setup.coldTokens, setup.connections),
    plan
  )
  const ratio = subject.rps / baseline.rps
  addRow({
    scenario: 'verify-cold',
    alg: setup.alg,
    subject: figures(subject),
    baselineName: 'fjwt',
    baseline: figures(baseline),
    ratio,
    target: '≥ 1.0 × fjwt',
    met: ratio >= 1,
    failed: subject.failed,
    notes: [`${setup.coldTokens.length} distinct tokens cycled`],
    rounds: { subject, baseline }
  })
}

// verify-hot (one token repeated, against bare) and verify-cold (10,000+ distinct live tokens
// cycled, against fjwt), both GET /api/me.
import { cpuNote, withCpu } from '../lib/cpu.js'
import { addRow } from '../lib/report.js'
import { interleave, type Plan, type Summary } from '../lib/rounds.js'
import { verifyCold, verifyHot } from '../lib/targets.js'

export interface VerifySetup {
  alg: string
  /** What is measured: the server, or in --calibrate a second copy of the baseline. */
  hotSubject: { name: string, url: string, pid?: number }
  coldSubject: { name: string, url: string }
  bare: { url: string, pid?: number }
  /** bare sending the server's security headers: an informational row when set, run with `plan`. */
  bareWithHeaders?: { url: string, pid?: number, plan: Plan }
  fjwtUrl: string
  hotToken: string
  coldTokens: string[]
  connections: number
}

function figures (summary: Summary): { unit: string, value: number, p50: number, p99: number } {
  return { unit: 'req/s', value: summary.rps, p50: summary.p50, p99: summary.p99 }
}

/** verify-hot against one process, with the CPU it and the load generator spend per request. */
function hotTarget (setup: VerifySetup, name: string, process: { url: string, pid?: number }): ReturnType<typeof withCpu> {
  return withCpu(verifyHot(name, process.url, setup.hotToken, setup.connections), { server: process.pid, 'load generator': 'self' })
}

export async function runVerifyHot (setup: VerifySetup, plan: Plan): Promise<void> {
  const subject = hotTarget(setup, setup.hotSubject.name, setup.hotSubject)
  const bare = hotTarget(setup, 'bare', setup.bare)
  const measured = await interleave(`verify-hot ${setup.alg}`, subject, bare, plan)
  const ratio = measured.subject.rps / measured.baseline.rps
  const cpu = cpuNote(subject, bare, measured.baseline.rps)
  addRow({
    scenario: 'verify-hot',
    alg: setup.alg,
    subject: figures(measured.subject),
    baselineName: 'bare',
    baseline: figures(measured.baseline),
    ratio,
    target: '≥ 0.85 × bare',
    met: ratio >= 0.85,
    failed: measured.subject.failed,
    notes: cpu === null ? [] : [cpu],
    rounds: measured
  })
  if (setup.bareWithHeaders !== undefined) await runVerifyHotBesideHeaders(setup, setup.bareWithHeaders)
}

// Not a target: the same load against bare sending the server's five security headers, so
// the table shows how much of the gap to bare is those headers (their bytes and Node's header
// handling in the server, parsing them in the load generator) and how much is authentication.
async function runVerifyHotBesideHeaders (setup: VerifySetup, bareWithHeaders: { url: string, pid?: number, plan: Plan }): Promise<void> {
  const name = 'bare+headers'
  const subject = hotTarget(setup, setup.hotSubject.name, setup.hotSubject)
  const baseline = hotTarget(setup, name, bareWithHeaders)
  const measured = await interleave(`verify-hot ${setup.alg} (info)`, subject, baseline, bareWithHeaders.plan)
  const cpu = cpuNote(subject, baseline, measured.baseline.rps)
  addRow({
    scenario: 'verify-hot (info)',
    alg: setup.alg,
    subject: figures(measured.subject),
    baselineName: name,
    baseline: figures(measured.baseline),
    ratio: measured.subject.rps / measured.baseline.rps,
    target: '— (not a target)',
    met: null,
    failed: measured.subject.failed,
    notes: [
      `${name} is bare sending the server's security headers through the server's own hook; this ratio is what authenticating costs, the verify-hot row's ratio divided by it what the headers cost`,
      ...cpu === null ? [] : [cpu]
    ],
    rounds: measured
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

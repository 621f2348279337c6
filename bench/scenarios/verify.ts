// verify-hot (one token repeated, against bare+headers, with bare beside it as information, and for
// the full algorithm the revocation check's cost: one process of the server's app whose check is
// switched between on, off, and reading a set of one revocation instead of 10,000) and verify-cold
// (20,000 distinct live tokens cycled, against fjwt), both GET /api/me.
import { cpuNote, withCpu } from '../lib/cpu.js'
import { addRow } from '../lib/report.js'
import type { NodeChild } from '../lib/children.js'
import { interleave, interleaveAll, type Plan, type Summary, type Target } from '../lib/rounds.js'
import { verifyCold, verifyHot } from '../lib/targets.js'

interface Process { url: string, pid?: number }

export interface VerifySetup {
  alg: string
  /** What is measured: the server, or in --calibrate a second copy of the baseline. */
  hotSubject: { name: string, url: string, pid?: number }
  coldSubject: { name: string, url: string }
  bare: Process
  /** bare sending the server's security headers: verify-hot's baseline (absent in --calibrate). */
  bareWithHeaders?: Process
  fjwtUrl: string
  hotToken: string
  coldTokens: string[]
  connections: number
  /** Also run plain bare, for the informational row (with bare+headers as the baseline). */
  bareInfo: boolean
  /**
   * The revocation check's rows: one process of the server's app (bench/baselines/rotor-app.ts),
   * on a store holding `inForce` revocations, whose check each round switches before its load.
   */
  checkCost?: { inForce: number, app: NodeChild, token: string }
}

/** Unrecorded load after each switch of rotor-app's check, before the round it precedes. */
const SETTLE_SECONDS = 0.25

/** Issue 15: the check may cost at most 3% of verify-hot. */
const CHECK_COST_LIMIT = 0.03

function figures (summary: Summary): { unit: string, value: number, p50: number, p99: number } {
  return { unit: 'req/s', value: summary.rps, p50: summary.p50, p99: summary.p99 }
}

/** verify-hot against one process, with the CPU it and the load generator spend per request. */
function hotTarget (setup: VerifySetup, name: string, process: Process, token = setup.hotToken): ReturnType<typeof withCpu> {
  return withCpu(verifyHot(name, process.url, token, setup.connections), { server: process.pid, 'load generator': 'self' })
}

export async function runVerifyHot (setup: VerifySetup, plan: Plan): Promise<void> {
  const { checkCost } = setup
  const subject = hotTarget(setup, setup.hotSubject.name, setup.hotSubject)
  const bare = hotTarget(setup, 'bare', setup.bare)
  const headers = setup.bareWithHeaders === undefined ? undefined : hotTarget(setup, 'bare+headers', setup.bareWithHeaders)
  // The app's check is switched before each of its rounds (and warm-ups): one process, three sides.
  const switched = (name: string, check: 'on' | 'off' | 'one'): typeof subject | undefined => {
    if (checkCost === undefined) return undefined
    const load = verifyHot(name, checkCost.app.url, checkCost.token, setup.connections)
    // After a switch V8 drops the code it optimised for the previous check: a short unrecorded load
    // lets it settle before the round is measured, whichever side the order puts first.
    const target: Target = {
      name,
      run: async (seconds, onTick, warmup) => {
        await checkCost.app.ask({ check })
        if (warmup !== true) await load.run(SETTLE_SECONDS, () => {})
        return await load.run(seconds, onTick)
      }
    }
    return withCpu(target, { server: checkCost.app.process.pid, 'load generator': 'self' })
  }
  const checked = switched(`rotor-app @${(checkCost?.inForce ?? 0).toLocaleString('en-US')} revocations`, 'on')
  const unchecked = switched('rotor-app −check', 'off')
  const one = switched('rotor-app @1 revocation', 'one')
  // All sides in the same rounds, so every ratio below compares figures of one run.
  const withBare = headers === undefined || setup.bareInfo
  // Every side compared in a row runs in the same rounds. The check's sides are one process (a
  // switch between rounds, no V8 state of their own): shorter rounds of their own are enough.
  const sides = [headers, withBare ? bare : undefined, subject].filter((target) => target !== undefined)
  const checkSides = [checked, unchecked, one].filter((target) => target !== undefined)
  const summaries = new Map<typeof subject, Summary>()
  const measure = async (scenario: string, targets: Array<typeof subject>, targetsPlan: Plan): Promise<void> => {
    const measured = await interleaveAll(scenario, targets, targetsPlan)
    targets.forEach((target, index) => summaries.set(target, measured[index] as Summary))
  }
  await measure(`verify-hot ${setup.alg}`, sides, plan)
  if (checkSides.length > 0) await measure(`verify-hot ${setup.alg} check`, checkSides, { rounds: plan.rounds, seconds: Math.min(plan.seconds, 1), warmup: Math.min(plan.warmup, 0.5) })
  const of = (target: typeof subject): Summary => summaries.get(target) as Summary
  const compare = (scenario: string, baseline: typeof subject, target: string, met: (ratio: number) => boolean | null, notes: string[], measuredSide = subject): void => {
    const measured = of(measuredSide)
    const base = of(baseline)
    const ratio = measured.rps / base.rps
    const cpu = cpuNote(measuredSide, baseline, base.rps)
    addRow({
      scenario,
      alg: setup.alg,
      subject: figures(measured),
      baselineName: baseline.name,
      baseline: figures(base),
      ratio,
      target,
      met: met(ratio),
      failed: measured.failed,
      notes: [...notes, ...cpu === null ? [] : [cpu]],
      rounds: { subject: measured, baseline: base }
    })
  }
  if (headers !== undefined) {
    compare('verify-hot', headers, '≥ 0.95 × bare+headers', (ratio) => ratio >= 0.95, [
      'bare+headers is bare sending the server\'s security headers through the server\'s own hook: both answers carry the same bytes' +
      (checkCost === undefined ? '' : `; the server's store holds ${checkCost.inForce.toLocaleString('en-US')} revocations in force, its check in place`)
    ])
    if (withBare) compare('verify-hot (info)', bare, '— (not a target)', () => null, ['bare: no security headers; the verify-hot row\'s ratio over this one is what the headers cost'])
  } else {
    compare('verify-hot', bare, '≥ 0.95 × bare+headers', (ratio) => ratio >= 0.95, ['--calibrate: against bare'])
  }
  if (checkCost !== undefined && checked !== undefined && unchecked !== undefined && one !== undefined) {
    const inForce = checkCost.inForce.toLocaleString('en-US')
    compare('verify-hot revocation check cost', unchecked, `≤ ${CHECK_COST_LIMIT * 100}% (ratio ≥ ${1 - CHECK_COST_LIMIT})`, (ratio) => ratio >= 1 - CHECK_COST_LIMIT, [
      `one process of the server's app (bench/baselines/rotor-app.ts) on a store holding ${inForce} revocations in force, its check switched before each round: ` +
      'the check the server installs against "not revoked" without looking; cost = 1 − ratio'
    ], checked)
    compare(`verify-hot @${inForce} revocations (info)`, one, '— (not a target)', () => null, [
      `the same process, its check reading the set of ${inForce} revocations against the same check reading a set of the same shape holding 1: what the set's size costs the lookup`
    ], checked)
  }
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

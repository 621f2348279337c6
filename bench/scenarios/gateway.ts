// The revocation feed's rows (issue 15), on processes of their own: a server and examples/fastify-gateway
// following its feed, both carrying the heap probe (bench/lib/heap-probe.ts).
// - feed memory: heap in use after full collections, in each process, with `feedRevocations` and
//   then twice as many revocations in force (written through the store), per revocation.
// - gateway verify: the gateway with a hot token against the same gateway on plain @fastify/jwt
//   (bench/baselines/gateway-fjwt.ts), interleaved.
// - revocation latency: during a verify load on the gateway, sessions are logged out one after
//   another (a few at a time) and each one's token asked of the gateway back to back from the
//   logout's answer until it is refused; p99 of those times.
import { logoutWithBearer, meAnswer, msUntilRefused } from '../lib/client.js'
import { startRedis, type HeapReading, type NodeChild } from '../lib/children.js'
import { cpuNote, withCpu } from '../lib/cpu.js'
import type { BenchKeys } from '../lib/keys.js'
import type { Options } from '../lib/options.js'
import { startGateway, startGatewayFjwt, startServer } from '../lib/processes.js'
import { detail, step } from '../lib/progress.js'
import { addNote, addRow } from '../lib/report.js'
import { interleave, median, type Plan } from '../lib/rounds.js'
import { storeRevocations, storeSessions } from '../lib/sessions.js'
import { verifyHot } from '../lib/targets.js'
import { signSessionTokens } from '../lib/tokens.js'
import { runLoad } from '../lib/load.js'

/** What @fastify/jwt answers a token its `trusted` hook refused (rotor/fastify-gateway's revocation check). */
const GATEWAY_REFUSAL = 'FST_JWT_AUTHORIZATION_TOKEN_UNTRUSTED'
const LATENCY_LIMIT_MS = 500
const BYTES_LIMIT = 200
/** A logout not seen by the gateway this long after its answer counts as never refused. */
const GIVE_UP_MS = 10_000

interface GatewaySetup { alg: string, keys: BenchKeys, options: Options, plan: Plan }

async function revocationsKnown (gateway: NodeChild): Promise<number> {
  const health = await (await fetch(`${gateway.url}/health`)).json() as { revocations?: number }
  return health.revocations ?? 0
}

async function untilGatewayKnows (gateway: NodeChild, count: number): Promise<void> {
  const deadline = Date.now() + 60_000
  while (await revocationsKnown(gateway) < count) {
    if (Date.now() > deadline) throw new Error(`the gateway knows ${await revocationsKnown(gateway)} revocations a minute after ${count} were written`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Heap readings with none, `count` and twice `count` revocations in force. The figure is the second
 * step's difference ÷ `count`: what one more revocation costs, with what the first one alone brings
 * (the feed's buffers, code compiled for its path) left out. The Map's table doubles exactly once
 * between `count` and twice as many, so the figure is its amortised cost.
 */
async function runFeedMemory (setup: GatewaySetup, server: NodeChild, gateway: NodeChild, redisUrl: string): Promise<void> {
  const count = setup.options.feedRevocations
  const readings = [{ server: await server.heap(), gateway: await gateway.heap() }]
  for (const multiple of [1, 2]) {
    step(`feed memory: ${(count * multiple).toLocaleString('en-US')} revocations in force, written through the store`)
    await storeRevocations(redisUrl, count)
    await untilGatewayKnows(gateway, count * multiple)
    readings.push({ server: await server.heap(), gateway: await gateway.heap() })
  }
  const [none, first, second] = readings as [typeof readings[0], typeof readings[0], typeof readings[0]]
  for (const side of ['server', 'gateway'] as const) {
    const perRevocation = (from: HeapReading, to: HeapReading, field: keyof HeapReading): number => (to[field] - from[field]) / count
    const bytes = perRevocation(first[side], second[side], 'heapUsed')
    addRow({
      scenario: `feed memory (${side})`,
      alg: setup.alg,
      subject: { unit: 'B/revocation', value: bytes },
      baselineName: '—',
      ratio: NaN,
      target: `≤ ${BYTES_LIMIT} B/revocation`,
      met: bytes <= BYTES_LIMIT,
      failed: 0,
      notes: [
        `V8 heap in use after two full collections (node --expose-gc, read over IPC by bench/lib/heap-probe.ts) with ${(2 * count).toLocaleString('en-US')} revocations in force minus with ${count.toLocaleString('en-US')}, ÷ ${count.toLocaleString('en-US')}; ` +
        `from none to ${count.toLocaleString('en-US')}: ${perRevocation(none[side], first[side], 'heapUsed').toFixed(0)} B each (the first revocation's fixed costs included); ` +
        `RSS moved ${perRevocation(first[side], second[side], 'rss').toFixed(0)} B/revocation (allocator pages: information only)`
      ]
    })
  }
}

async function runGatewayVerify (setup: GatewaySetup, gateway: NodeChild, baseline: NodeChild, token: string): Promise<void> {
  const connections = setup.options.verifyConnections
  const subject = withCpu(verifyHot('gateway', gateway.url, token, connections), { gateway: gateway.process.pid, 'load generator': 'self' })
  const plain = withCpu(verifyHot('gateway-fjwt', baseline.url, token, connections), { gateway: baseline.process.pid, 'load generator': 'self' })
  const measured = await interleave(`gateway verify ${setup.alg}`, subject, plain, setup.plan)
  const ratio = measured.subject.rps / measured.baseline.rps
  const cpu = cpuNote(subject, plain, measured.baseline.rps)
  addRow({
    scenario: 'gateway verify',
    alg: setup.alg,
    subject: { unit: 'req/s', value: measured.subject.rps, p50: measured.subject.p50, p99: measured.subject.p99 },
    baselineName: 'gateway-fjwt',
    baseline: { unit: 'req/s', value: measured.baseline.rps, p50: measured.baseline.p50, p99: measured.baseline.p99 },
    ratio,
    target: '≥ 0.95 × gateway-fjwt',
    met: ratio >= 0.95,
    failed: measured.subject.failed,
    notes: [
      `GET /api/me through examples/fastify-gateway (to its upstream), one token, ${connections} connections; gateway-fjwt = the same gateway on plain @fastify/jwt with the key from a file, no revocation check; ` +
      `the gateway holds ${(2 * setup.options.feedRevocations).toLocaleString('en-US')} revocations in force`,
      ...cpu === null ? [] : [cpu]
    ],
    rounds: measured
  })
}

async function runRevocationLatency (setup: GatewaySetup, server: NodeChild, gateway: NodeChild, redisUrl: string, hotToken: string): Promise<void> {
  const { logouts, logoutConcurrency, verifyConnections } = setup.options
  step(`revocation latency: ${logouts.toLocaleString('en-US')} sessions through the store`)
  const tokens = signSessionTokens(setup.keys, await storeSessions(redisUrl, logouts))
  const latencies: number[] = []
  let missed = 0
  const load = new AbortController()
  const verifying = runLoad({ url: gateway.url, connections: verifyConnections, duration: 3600, path: '/api/me', headers: { authorization: `Bearer ${hotToken}` }, signal: load.signal })
  try {
    step(`revocation latency: ${logouts.toLocaleString('en-US')} logouts, ${logoutConcurrency} at a time, during a verify load on the gateway`)
    let next = 0
    await Promise.all(Array.from({ length: logoutConcurrency }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++] as string
        // Accepted first: a refusal after the logout is then the revocation's doing.
        const first = await meAnswer(gateway.url, token)
        if (first.status !== 200) throw new Error(`the gateway refused a live session's token before its logout: ${first.status} ${first.code ?? ''}`)
        await logoutWithBearer(server.url, token)
        const ms = await msUntilRefused(gateway.url, token, GATEWAY_REFUSAL, GIVE_UP_MS)
        if (ms === null) missed++
        else latencies.push(ms)
        if (next % 100 === 0) detail(`${next} logouts`)
      }
    }))
  } finally {
    load.abort()
  }
  const verified = await verifying
  latencies.sort((a, b) => a - b)
  const percentile = (share: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(share * latencies.length) - 1)] ?? NaN
  const p99 = missed > 0 ? Infinity : percentile(0.99)
  addRow({
    scenario: 'revocation latency',
    alg: setup.alg,
    subject: { unit: 'ms p99', value: p99, p50: median(latencies), p99 },
    baselineName: '—',
    ratio: NaN,
    target: `p99 ≤ ${LATENCY_LIMIT_MS} ms`,
    met: p99 <= LATENCY_LIMIT_MS,
    failed: missed,
    notes: [
      `${latencies.length.toLocaleString('en-US')} logouts (POST /auth/logout with the session's bearer token), ${logoutConcurrency} at a time; from each logout's answer, the gateway asked back to back until it answered ${GATEWAY_REFUSAL}; ` +
      `max ${(latencies.at(-1) ?? NaN).toFixed(2)} ms; ${missed} not refused within ${GIVE_UP_MS / 1000} s; meanwhile the gateway answered the hot token ${verified.rps.toFixed(0)} req/s on ${verifyConnections} connections (${verified.failed} failed)`
    ]
  })
}

export async function runGatewayScenarios (setup: GatewaySetup): Promise<void> {
  if (setup.alg === 'HS256') {
    addNote('gateway rows: not run for HS256 (its secret is never published in the JWKS a gateway reads)')
    return
  }
  step('gateway: starting redis-server, server, gateway and gateway-fjwt')
  const redis = await startRedis()
  const server = await startServer(`rotor ${setup.alg}`, setup.keys, redis.url, { heapProbe: true })
  const [gateway, baseline] = await Promise.all([startGateway(server.url, setup.keys, { heapProbe: true }), startGatewayFjwt(setup.keys)])
  const [hotToken] = signSessionTokens(setup.keys, await storeSessions(redis.url, 1)) as [string]
  for (const child of [gateway, baseline]) {
    const answer = await meAnswer(child.url, hotToken)
    if (answer.status !== 200) throw new Error(`${child.name} refused the hot token: ${answer.status} ${answer.code ?? ''}`)
  }
  // Warm both processes before the first heap reading, so code the load compiles is in both readings.
  await runLoad({ url: gateway.url, connections: setup.options.verifyConnections, duration: setup.plan.warmup + 0.5, path: '/api/me', headers: { authorization: `Bearer ${hotToken}` } })
  await runFeedMemory(setup, server, gateway, redis.url)
  await runGatewayVerify(setup, gateway, baseline, hotToken)
  await runRevocationLatency(setup, server, gateway, redis.url, hotToken)
}

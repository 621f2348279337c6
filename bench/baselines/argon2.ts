// Baseline "argon2": the raw argon2id verify rate at the server's parameters (imported from the
// server's password module), with as many verifications in flight as the login load has connections,
// on libuv's default thread pool like the server. Runs for BENCH_SECONDS and prints one JSON line:
// { rate, p50, p99, count, seconds } (rate per second, latencies in ms).
import { createHistogram } from 'node:perf_hooks'
import { hash, verify } from '@node-rs/argon2'
import { ARGON2_OPTIONS } from '../../src/domain/passwords.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 3)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8)
const password = 'correct horse battery staple'
const passwordHash = await hash(password, ARGON2_OPTIONS)
await verify(passwordHash, password)

const histogram = createHistogram()
let count = 0
const started = process.hrtime.bigint()
const deadline = started + BigInt(Math.round(seconds * 1e9))

// Counted like autocannon counts the login load: completions within the window, over the window
// (both sides then lose the same first ~latency of ramp-up, which matters in short rounds).
async function worker (): Promise<void> {
  while (process.hrtime.bigint() < deadline) {
    const begin = process.hrtime.bigint()
    if (!await verify(passwordHash, password)) throw new Error('argon2 verify failed')
    const end = process.hrtime.bigint()
    if (end > deadline) break
    histogram.record(Number((end - begin) / 1000n) || 1)
    count++
  }
}

await Promise.all(Array.from({ length: concurrency }, worker))
const elapsed = seconds
process.stdout.write(JSON.stringify({
  rate: count / elapsed,
  p50: histogram.percentile(50) / 1000,
  p99: histogram.percentile(99) / 1000,
  count,
  seconds: elapsed,
  options: { memoryCost: ARGON2_OPTIONS.memoryCost, timeCost: ARGON2_OPTIONS.timeCost, parallelism: ARGON2_OPTIONS.parallelism }
}) + '\n')

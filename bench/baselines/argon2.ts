// Baseline "argon2": the raw argon2id verify rate at the server's parameters (imported from the
// server's password module): one thread per core (BENCH_THREADS), each verifying back to back with
// verifySync, the way the server's hashing threads run them (src/runtime/password-worker.ts): at
// their lowered priority too, so that whatever else runs on the machine takes CPU from both sides
// alike (on an idle machine the priority changes nothing), but with nothing else to do. One process serves every round of a run, so its
// threads and their memory are as warm in round one as the server's: given { seconds } over its IPC
// channel it answers { rate, p50, p99, count, seconds } (rate per second, latencies of one
// verification in ms). Without an IPC channel it runs once for BENCH_SECONDS and prints that.
import { readlinkSync } from 'node:fs'
import { availableParallelism, setPriority } from 'node:os'
import { createHistogram } from 'node:perf_hooks'
import { isMainThread, parentPort, Worker } from 'node:worker_threads'
import { hashSync, verifySync } from '@node-rs/argon2'
import { ARGON2_OPTIONS } from '../../src/domain/passwords.js'
import { PASSWORD_THREAD_NICENESS } from '../../src/runtime/password-threads.js'

const password = 'correct horse battery staple'

interface Counted { count: number, micros: number[] }

if (!isMainThread) {
  // As password-worker.ts does: Linux keeps a nice value per thread, named by /proc/thread-self.
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), PASSWORD_THREAD_NICENESS)
  } catch {
    // Not Linux: both sides keep the process's priority.
  }
  const passwordHash = hashSync(password, ARGON2_OPTIONS)
  parentPort?.on('message', ({ deadline }: { deadline: bigint }) => {
    const counted: Counted = { count: 0, micros: [] }
    // Counted like autocannon counts the login load: completions within the window, over the window.
    while (process.hrtime.bigint() < deadline) {
      const begin = process.hrtime.bigint()
      if (!verifySync(passwordHash, password)) throw new Error('argon2 verify failed')
      const end = process.hrtime.bigint()
      if (end > deadline) break
      counted.count++
      counted.micros.push(Number((end - begin) / 1000n) || 1)
    }
    parentPort?.postMessage(counted)
  })
  parentPort?.postMessage('ready')
} else {
  const threads = Number(process.env.BENCH_THREADS ?? availableParallelism())
  const workers = await Promise.all(Array.from({ length: threads }, async () => {
    const worker = new Worker(new URL(import.meta.url))
    await new Promise((resolve) => worker.once('message', resolve))
    return worker
  }))

  const measure = async (seconds: number): Promise<Record<string, number>> => {
    const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9))
    const results = await Promise.all(workers.map(async (worker) => await new Promise<Counted>((resolve) => {
      worker.once('message', resolve)
      worker.postMessage({ deadline })
    })))
    const histogram = createHistogram()
    let count = 0
    for (const result of results) {
      count += result.count
      for (const micros of result.micros) histogram.record(micros)
    }
    return { rate: count / seconds, p50: histogram.percentile(50) / 1000, p99: histogram.percentile(99) / 1000, count, seconds, threads }
  }

  if (process.send === undefined) {
    process.stdout.write(JSON.stringify(await measure(Number(process.env.BENCH_SECONDS ?? 3))) + '\n')
    for (const worker of workers) await worker.terminate()
  } else {
    process.on('message', (message: { seconds?: unknown }) => {
      if (typeof message.seconds !== 'number') return
      measure(message.seconds).then(
        (measured) => { process.send?.(measured) },
        (error: unknown) => { process.send?.({ error: String(error) }) }
      )
    })
    process.send({ ready: true })
  }
}

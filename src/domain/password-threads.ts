// Threads of our own for argon2id, instead of libuv's pool where @node-rs/argon2's async calls run.
// Two reasons (issue 6): their priority can be lowered below the event loop's (password-worker.ts),
// so a login flood cannot starve token verification of CPU (bench login+verify: the verify p99
// went from 11 times its value alone to about 2.5 times); and libuv's four threads stay free for
// what must not queue behind a 20 ms hash (file reads of a key reload, DNS lookups of a reconnect).
// One thread per core: argon2 is CPU-bound, so more threads would only share the same cores.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Options } from '@node-rs/argon2'

// A thread has one job at a time, so a reply needs no id to find its job.
export type PasswordJob = { op: 'hash', password: string } | { op: 'verify', hash: string, password: string }
export type PasswordReply = { result: string | boolean } | { error: string }

/** Nice value of the hashing threads: far enough below the event loop to yield to it at once. */
export const PASSWORD_THREAD_NICENESS = 15

// Run from src/ under tap's TypeScript loader, or compiled from dist/.
const WORKER_URL = new URL(`./password-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

interface Pending { job: PasswordJob, resolve: (result: string | boolean) => void, reject: (error: Error) => void }

export interface PasswordThreads {
  run (job: PasswordJob): Promise<string | boolean>
}

export function createPasswordThreads (options: Options, threads = availableParallelism()): PasswordThreads {
  const idle: Worker[] = []
  const busy = new Map<Worker, Pending>()
  const queue: Pending[] = []
  let started = 0

  function start (): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { options, niceness: PASSWORD_THREAD_NICENESS } })
    started++
    worker.on('message', (reply: PasswordReply) => {
      const pending = busy.get(worker)
      if (pending === undefined) return
      busy.delete(worker)
      if ('error' in reply) pending.reject(new Error(reply.error))
      else pending.resolve(reply.result)
      dispatch(worker)
    })
    // A thread that dies takes only its own job with it; the next job starts a new one.
    worker.on('error', (error) => { busy.get(worker)?.reject(error) })
    worker.on('exit', () => {
      busy.delete(worker)
      started--
      const at = idle.indexOf(worker)
      if (at !== -1) idle.splice(at, 1)
      if (queue.length > 0) dispatch(start())
    })
    return worker
  }

  // An idle thread does not keep the process alive; one with a job does, until it answers.
  function dispatch (worker: Worker): void {
    const next = queue.shift()
    if (next === undefined) {
      worker.unref()
      idle.push(worker)
      return
    }
    worker.ref()
    busy.set(worker, next)
    worker.postMessage(next.job)
  }

  return {
    async run (job) {
      return await new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject })
        const worker = idle.pop() ?? (started < threads ? start() : undefined)
        if (worker !== undefined) dispatch(worker)
      })
    }
  }
}

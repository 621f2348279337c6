// Threads of our own for argon2id, instead of libuv's pool where @node-rs/argon2's async calls run.
// Two reasons: their priority can be lowered below the event loop's (password-worker.ts), so a
// login flood cannot starve token verification of CPU; and libuv's four threads stay free for what
// must not queue behind a 20 ms hash (file reads of a key reload, DNS lookups of a reconnect).
// One thread per core: argon2 is CPU-bound, so more threads would only share the same cores.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Options } from '@node-rs/argon2'

// A thread answers its jobs in the order it got them, so a reply needs no id to find its job.
export type PasswordJob = { op: 'hash', password: string } | { op: 'verify', hash: string, password: string }
export type PasswordReply = { result: string | boolean } | { error: string }

/** Nice value of the hashing threads: far enough below the event loop to yield to it at once. */
export const PASSWORD_THREAD_NICENESS = 15

// Run from src/ under tap's TypeScript loader, or compiled from dist/.
const WORKER_URL = new URL(`./password-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

interface Pending { job: PasswordJob, resolve: (result: string | boolean) => void, reject: (error: Error) => void }

export interface PasswordThreads {
  run (job: PasswordJob): Promise<string | boolean>
  /** Jobs each started thread holds, running or waiting (a queue depth to watch). */
  jobsPerThread (): number[]
}

/**
 * Each job goes to the thread with the fewest jobs at once, where it waits in the thread's own
 * message queue: a thread that finishes a hash starts the next without waiting for the event loop
 * to hand it over, so no core idles under a login flood.
 */
export function createPasswordThreads (options: Options, threads = availableParallelism()): PasswordThreads {
  // Jobs sent to each thread and not answered yet, oldest first.
  const sent = new Map<Worker, Pending[]>()

  function start (): Worker {
    const worker = new Worker(WORKER_URL, { workerData: { options, niceness: PASSWORD_THREAD_NICENESS } })
    const queue: Pending[] = []
    sent.set(worker, queue)
    worker.on('message', (reply: PasswordReply) => {
      const pending = queue.shift()
      // An idle thread does not keep the process alive; one with jobs does, until it answers them.
      if (queue.length === 0) worker.unref()
      if (pending === undefined) return
      if ('error' in reply) pending.reject(new Error(reply.error))
      else pending.resolve(reply.result)
    })
    // A thread that dies takes only the job it was running with it; the jobs waiting behind it go
    // to the other threads (or a new one).
    worker.on('error', (error) => { queue.shift()?.reject(error) })
    worker.on('exit', () => {
      sent.delete(worker)
      for (const pending of queue.splice(0)) send(pending)
    })
    return worker
  }

  function send (pending: Pending): void {
    let target: Worker | undefined
    let fewest = Infinity
    for (const [worker, queue] of sent) {
      if (queue.length < fewest) { target = worker; fewest = queue.length }
    }
    if (target === undefined || (fewest > 0 && sent.size < threads)) target = start()
    const queue = sent.get(target) as Pending[]
    if (queue.length === 0) target.ref()
    queue.push(pending)
    target.postMessage(pending.job)
  }

  return {
    async run (job) {
      return await new Promise((resolve, reject) => { send({ job, resolve, reject }) })
    },
    jobsPerThread: () => [...sent.values()].map((queue) => queue.length)
  }
}

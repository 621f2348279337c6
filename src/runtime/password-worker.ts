// One password-hashing thread (password-threads.ts). It hashes with argon2id in the thread itself,
// after lowering the thread's CPU priority: when hashing and request handling want the same cores,
// the event loop wins and a login waits, never a verification. On an idle machine the priority
// changes nothing.
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { hashSync, verifySync, type Options } from '@node-rs/argon2'
import type { PasswordJob, PasswordReply } from './password-threads.js'

const { options, niceness } = workerData as { options: Options, niceness: number }

// Linux keeps a nice value per thread, and setpriority(2) takes a thread id where it takes a pid;
// /proc/thread-self names this thread's. Elsewhere the thread keeps the process's priority.
try {
  const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop())
  setPriority(threadId, niceness)
} catch {
  // Not Linux, or /proc is not mounted: hashing still runs off the event loop.
}

function run (job: PasswordJob): string | boolean {
  if (job.op === 'hash') return hashSync(job.password, options)
  try {
    return verifySync(job.hash, job.password)
  } catch {
    // A stored value that is not an argon2 hash matches no password.
    return false
  }
}

parentPort?.on('message', (job: PasswordJob) => {
  let reply: PasswordReply
  try {
    reply = { result: run(job) }
  } catch (error) {
    reply = { error: String((error as Error).message) }
  }
  parentPort?.postMessage(reply)
})

// argon2id runs on threads of our own (src/runtime/password-threads.ts), below the event loop's CPU
// priority, so a login flood neither blocks nor starves request handling.
import { readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { ARGON2_OPTIONS, hashPassword, verifyPassword } from '../../src/domain/passwords.js'
import { PASSWORD_THREAD_NICENESS, createPasswordThreads } from '../../src/runtime/password-threads.js'

/** Nice value of every thread of this process, by thread id (proc(5): field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness (): Map<number, number> {
  const niceness = new Map<number, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    niceness.set(Number(tid), Number(fields[16]))
  }
  return niceness
}

t.test('hashing threads run at a lower priority than the event loop', async (t) => {
  await hashPassword('correct horse battery staple')
  const niceness = threadNiceness()
  t.equal(niceness.get(process.pid), 0, 'the event loop keeps the default priority')
  const lowered = [...niceness.values()].filter((nice) => nice === PASSWORD_THREAD_NICENESS)
  t.ok(lowered.length >= 1, `${lowered.length} thread(s) at nice ${PASSWORD_THREAD_NICENESS}`)
})

t.test('the event loop turns while hashes are being computed', async (t) => {
  const order: string[] = []
  const hashes = Promise.all([1, 2, 3, 4].map(async (n) => { await hashPassword(`password number ${n}`); order.push('hash') }))
  await new Promise<void>((resolve) => setTimeout(() => { order.push('timer'); resolve() }, 0))
  await hashes
  t.equal(order[0], 'timer', 'a 0 ms timer fires before any of four hashes is done')
})

t.test('jobs beyond the thread count queue, and every one gets its own answer', async (t) => {
  const threads = createPasswordThreads(ARGON2_OPTIONS, 2)
  const passwords = ['first password', 'second password', 'third password', 'fourth password', 'fifth password']
  const hashes = await Promise.all(passwords.map(async (password) => await threads.run({ op: 'hash', password }) as string))
  t.equal(new Set(hashes).size, passwords.length, 'five distinct hashes')
  const checks = await Promise.all(hashes.map(async (hash, i) => await threads.run({ op: 'verify', hash, password: passwords[i] as string })))
  t.same(checks, [true, true, true, true, true], 'each verifies against its own password')
  t.equal(await verifyPassword(hashes[0] as string, 'second password'), false, 'and not against another')
})

t.test('every job is handed to a thread at once, so a thread never waits for the event loop between jobs', async (t) => {
  const threads = createPasswordThreads(ARGON2_OPTIONS, 2)
  const passwords = ['first password', 'second password', 'third password', 'fourth password', 'fifth password']
  const hashes = Promise.all(passwords.map(async (password) => await threads.run({ op: 'hash', password })))
  t.same(threads.jobsPerThread().sort(), [2, 3], 'five jobs on two threads: all five handed over, spread evenly')
  await hashes
  t.same(threads.jobsPerThread(), [0, 0], 'and none left once all are answered')
})

t.test('a job that throws in its thread rejects, and the threads keep working', async (t) => {
  const threads = createPasswordThreads(ARGON2_OPTIONS, 1)
  await t.rejects(threads.run({ op: 'hash', password: 42 as unknown as string }), Error)
  t.equal(typeof await threads.run({ op: 'hash', password: 'after the failure' }), 'string')
})

// Redis Cluster: a server process killed between the two steps of a session end (the script that
// ends the session and writes the slot's outbox; the publish into the feed's slot), or after them
// but before the outbox is trimmed (src/store/redis/revocation-outbox.ts). The process is a real
// child running the compiled store, SIGKILLed. The steps are held apart with CLIENT PAUSE WRITE on
// the master of one slot, so the kill lands exactly where each case says. What each case shows: the
// ended session's revocation is missing from the feed while nobody sweeps (what a crash loses for a
// while), then a later server's sweep publishes it, exactly once; nothing is published twice.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { Cluster } from 'ioredis'
import { revocationFeedKey, revocationOutboxKey, userKey } from '../../src/store/redis-keys.js'
import { keySlot } from '../../src/store/redis/key-slot.js'
import { createRedisStore } from '../../src/store/redis-store.js'
import type { AuthStore, Revocation } from '../../src/store/types.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import { builtServer } from '../helpers/server-process.js'

const cluster = await startRedisCluster()
t.teardown(async () => { await cluster.stop() })
const inspector = new Cluster(cluster.nodes)
t.teardown(() => { inspector.disconnect() })
const anyNode = (cluster.nodes[0] as { port: number }).port

const id = (): string => randomBytes(16).toString('base64url')
const NO_SWEEP_MS = 3_600_000
const prefix = `k${id().slice(0, 8)}:`
const outboxOf = (userId: string): string => revocationOutboxKey(prefix, keySlot(userKey(prefix, userId)))

/** Port of the master serving `key`'s slot (CLUSTER SLOTS: [start, end, [host, port, id], …replicas]). */
async function masterOf (key: string): Promise<number> {
  const slot = keySlot(key)
  const ranges = await cluster.command(anyNode, 'CLUSTER', 'SLOTS') as Array<[number, number, [string, number]]>
  const range = ranges.find(([start, end]) => slot >= start && slot <= end)
  if (range === undefined) throw new Error(`slot ${slot} is not served`)
  return Number(range[2][1])
}

const feedMaster = await masterOf(revocationFeedKey(prefix))

/** A new user whose keys (and outbox) live on another master than the feed, with one live session. */
async function userWithSession (store: AuthStore): Promise<{ userId: string, sessionId: string, master: number }> {
  for (;;) {
    const userId = id()
    const master = await masterOf(userKey(prefix, userId))
    if (master === feedMaster) continue
    const sessionId = id()
    await store.createSession({ userId, sessionId, tokenHash: id(), now: Date.now(), idleTtlMs: 600_000, maxTtlMs: 600_000, ip: '192.0.2.1', userAgent: 'crash-test' })
    return { userId, sessionId, master }
  }
}

/** A store of this process, closed when `test` ends. */
function openStore (test: Test, outboxSweepIntervalMs: number): AuthStore {
  const store = createRedisStore({ clusterNodes: cluster.nodes, prefix, outboxSweepIntervalMs })
  test.teardown(async () => { await store.close() })
  return store
}

// Sweeps nothing: it only sets up and looks.
const observer = openStore(t, NO_SWEEP_MS)

async function feedAfter (cursor: string): Promise<Revocation[]> {
  const all: Revocation[] = []
  for (let page = await observer.readRevocations(cursor, Date.now()); page.revocations.length > 0; page = await observer.readRevocations(page.cursor, Date.now())) {
    all.push(...page.revocations)
  }
  return all
}

async function until (what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(20)
  }
}

/** Pauses writes (scripts included) on one master; undone by the returned function or at teardown. */
async function pauseWrites (port: number): Promise<() => Promise<void>> {
  await cluster.command(port, 'CLIENT', 'PAUSE', 60_000, 'WRITE')
  let paused = true
  const unpause = async (): Promise<void> => {
    if (!paused) return
    paused = false
    await cluster.command(port, 'CLIENT', 'UNPAUSE')
  }
  t.teardown(unpause)
  return unpause
}

interface Child { process: ChildProcess, output: () => string, kill: () => Promise<void> }

/** A server process (the compiled store, no sweep) that runs `calls` and prints a line per answer. */
async function serverProcess (calls: string): Promise<Child> {
  const storeModule = pathToFileURL(join(dirname(await builtServer()), 'store', 'redis-store.js')).href
  const code = `
    const { createRedisStore } = await import(${JSON.stringify(storeModule)})
    const store = createRedisStore({ clusterNodes: ${JSON.stringify(cluster.nodes)}, prefix: ${JSON.stringify(prefix)}, commandTimeoutMs: 60000, outboxSweepIntervalMs: ${NO_SWEEP_MS} })
    const answer = (line) => { process.stdout.write(line + '\\n') }
    ${calls}
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  return { process: child, output: () => output, kill }
}

const endSessionCall = (userId: string, sessionId: string): string =>
  `answer('ended ' + await store.endSession(${JSON.stringify(userId)}, ${JSON.stringify(sessionId)}, 'logout', Date.now()))`

t.test('killed after the session ended, before its revocation was published: a later sweep publishes it, once', async (t) => {
  const { userId, sessionId } = await userWithSession(observer)
  const { cursor } = await observer.readRevocations(null, Date.now())
  // The feed's master takes no writes: the publish step cannot run.
  const unpauseFeed = await pauseWrites(feedMaster)
  const server = await serverProcess(endSessionCall(userId, sessionId))
  await until('the ending script ran', async () => await inspector.xlen(outboxOf(userId)) === 1)
  await sleep(100)
  await server.kill()
  await unpauseFeed()

  t.equal(server.output(), '', 'the logout never answered')
  t.equal(await observer.findSession(userId, sessionId, Date.now()), null, 'the session has ended')
  t.same(await feedAfter(cursor), [], 'its revocation is not in the feed: the process died holding it')
  await sleep(1500)
  t.same(await feedAfter(cursor), [], 'and nobody publishes it while no sweep runs')

  // A server started later (or any other running one) sweeps the outboxes.
  openStore(t, 500)
  await until('a sweep published it', async () => (await feedAfter(cursor)).length > 0)
  const feed = await feedAfter(cursor)
  t.same(feed.map((revocation) => [revocation.sid, revocation.sub, revocation.reason, revocation.until - revocation.at]), [[sessionId, userId, 'logout', 905]], 'exactly one revocation, as the call would have written it')
  await until('the outbox was trimmed', async () => await inspector.xlen(outboxOf(userId)) === 0)
  await sleep(1500)
  t.equal((await feedAfter(cursor)).length, 1, 'later sweeps add nothing')
})

t.test('killed after publishing, before trimming the outbox: the entry left there is never published again', async (t) => {
  const { userId, sessionId, master } = await userWithSession(observer)
  const { cursor } = await observer.readRevocations(null, Date.now())
  const unpauseFeed = await pauseWrites(feedMaster)
  const server = await serverProcess(endSessionCall(userId, sessionId))
  await until('the ending script ran', async () => await inspector.xlen(outboxOf(userId)) === 1)
  // Now the user's master takes no writes (the trim), and the feed's master takes the publish.
  const unpauseUser = await pauseWrites(master)
  await unpauseFeed()
  await until('the logout answered', async () => server.output() === 'ended true\n')
  await sleep(100)
  await server.kill()
  await unpauseUser()

  t.same((await feedAfter(cursor)).map((revocation) => revocation.sid), [sessionId], 'the answered logout is in the feed')
  t.equal(await inspector.xlen(outboxOf(userId)), 1, 'and still in the outbox: the trim died with the process')

  openStore(t, 500)
  await until('a sweep trimmed the outbox', async () => await inspector.xlen(outboxOf(userId)) === 0)
  await sleep(1500)
  t.same((await feedAfter(cursor)).map((revocation) => revocation.sid), [sessionId], 'still exactly one revocation: the slot\'s mark covered the entry')
})

t.test('killed at a random moment of 200 logouts over every master: after a sweep, ended <=> revoked once', async (t) => {
  const users = []
  for (let i = 0; i < 200; i++) {
    const userId = id()
    const sessionId = id()
    await observer.createSession({ userId, sessionId, tokenHash: id(), now: Date.now(), idleTtlMs: 600_000, maxTtlMs: 600_000, ip: '192.0.2.1', userAgent: 'crash-test' })
    users.push({ userId, sessionId })
  }
  const { cursor } = await observer.readRevocations(null, Date.now())
  const server = await serverProcess(`
    const users = ${JSON.stringify(users)}
    for (let i = 0; i < users.length; i += 10) {
      await Promise.all(users.slice(i, i + 10).map(async ({ userId, sessionId }) => {
        if (await store.endSession(userId, sessionId, 'logout', Date.now())) answer(sessionId)
      }))
    }
  `)
  await until('some logouts answered', async () => server.output().split('\n').length > 30)
  await sleep(Math.floor(Math.random() * 200))
  await server.kill()
  const answered = new Set(server.output().split('\n').filter((line) => line !== ''))

  openStore(t, 500)
  const outboxes = [...new Set(users.map(({ userId }) => outboxOf(userId)))]
  await until('every outbox was swept', async () => (await Promise.all(outboxes.map(async (key) => await inspector.xlen(key)))).every((length) => length === 0), 30_000)
  const revoked = new Map<string, number>()
  for (const revocation of await feedAfter(cursor)) revoked.set(revocation.sid, (revoked.get(revocation.sid) ?? 0) + 1)

  let ended = 0
  const wrong: string[] = []
  for (const { userId, sessionId } of users) {
    const live = await observer.findSession(userId, sessionId, Date.now()) !== null
    if (!live) ended++
    const times = revoked.get(sessionId) ?? 0
    if (times !== (live ? 0 : 1)) wrong.push(`${sessionId}: ${live ? 'live' : 'ended'}, revoked ${times} times`)
  }
  t.same(wrong, [], 'every ended session revoked exactly once, no live one revoked')
  t.ok([...answered].every((sessionId) => revoked.get(sessionId) === 1), 'every answered logout is in the feed')
  t.comment(`killed after ${answered.size} answered logouts; ${ended} sessions ended in all, ${ended - answered.size} of them unanswered and published by the sweep; ${users.length - ended} never ended`)
})

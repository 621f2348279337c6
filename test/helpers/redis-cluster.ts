// Starts a real local Redis Cluster (3 masters, 3 replicas) on free loopback ports for one test file,
// so cluster behaviour (hash slots, MOVED, failover) is tested against redis-server itself, never a
// mock and never the shared Redis on 6379. Every node runs with AOF on in its own temporary folder.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from '../../bench/lib/redis-server.js'

const run = promisify(execFile)
const HOST = '127.0.0.1'
const MASTERS = 3
const REPLICAS_PER_MASTER = 1
/** Low so a killed master is failed over in seconds; the default is 15 s. */
const NODE_TIMEOUT_MS = 2000

export interface ClusterAddress {
  host: string
  port: number
}

export interface RedisCluster {
  /** Every node started, in start order (the first three began as masters). */
  nodes: ClusterAddress[]
  /** Live nodes that are masters now (roles change after a failover). */
  masters (): Promise<ClusterAddress[]>
  /** Live nodes that are replicas now. */
  replicas (): Promise<ClusterAddress[]>
  /** SIGKILLs one node (no AOF flush, no goodbye to its peers) and waits for it to exit. */
  killNode (port: number): Promise<void>
  /** Starts a killed node again on its ports and folder (its nodes.conf and AOF) and waits for PING. */
  restartNode (port: number): Promise<void>
  /** Resolves when every live node reports cluster_state:ok with all 16384 slots served by live masters. */
  waitUntilHealthy (timeoutMs?: number): Promise<void>
  /** Runs one command on one node (not through a cluster client): CLUSTER KEYSLOT, WAIT, INFO… */
  command (port: number, name: string, ...args: Array<string | number>): Promise<unknown>
  /** Kills every node and removes their folders. Safe to call twice. */
  stop (): Promise<void>
}

interface NodeProcess {
  port: number
  busPort: number
  dir: string
  child: ChildProcess
}

// A node must not outlive the test process, even when a test throws, tap times it out (SIGALRM, then
// SIGKILL) or it is killed outright. An 'exit' hook covers the normal ways out; for the rest a small
// detached watchdog process holds a pipe from us, and when the pipe closes (we died, however) it
// SIGKILLs every node we still had and removes their folders.
const WATCHDOG = `
const { rmSync } = require('node:fs')
const nodes = new Map()
let buffer = ''
process.stdin.on('data', (chunk) => {
  buffer += chunk
  let end
  while ((end = buffer.indexOf('\\n')) >= 0) {
    const [verb, pid, dir] = JSON.parse(buffer.slice(0, end))
    buffer = buffer.slice(end + 1)
    if (verb === 'add') nodes.set(pid, dir); else nodes.delete(pid)
  }
})
process.stdin.on('close', () => {
  for (const [pid, dir] of nodes) {
    try { process.kill(pid, 'SIGKILL') } catch {}
    try { rmSync(dir, { recursive: true, force: true }) } catch {}
  }
  process.exit(0)
})
`
const running = new Set<NodeProcess>()
let watchdog: ChildProcess | undefined

function tellWatchdog (verb: 'add' | 'delete', node: NodeProcess): void {
  if (watchdog === undefined) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true })
    watchdog.unref()
    // The pipe must not keep this process alive; it closes when we exit.
    ;(watchdog.stdin as unknown as { unref?: () => void }).unref?.()
    process.once('exit', killAllSync)
  }
  watchdog.stdin?.write(`${JSON.stringify([verb, node.child.pid, node.dir])}\n`)
}

function track (node: NodeProcess): void {
  running.add(node)
  tellWatchdog('add', node)
  node.child.once('exit', () => {
    running.delete(node)
    tellWatchdog('delete', node)
  })
}

function killAllSync (): void {
  for (const node of running) {
    try { node.child.kill('SIGKILL') } catch { /* already gone */ }
    try { rmSync(node.dir, { recursive: true, force: true }) } catch { /* best effort */ }
  }
  running.clear()
}

function progress (message: string): void {
  console.log(`# redis-cluster: ${message}`)
}

async function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
}

/** A free port whose cluster bus port (set explicitly with cluster-port) is free too; never 6379. */
async function freeNodePorts (taken: Set<number>): Promise<{ port: number, busPort: number }> {
  const pick = async (): Promise<number> => {
    for (;;) {
      const port = await freePort()
      if (port !== 6379 && port !== 16379 && !taken.has(port)) {
        taken.add(port)
        return port
      }
    }
  }
  return { port: await pick(), busPort: await pick() }
}

function launch (port: number, busPort: number, dir: string): ChildProcess {
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--cluster-enabled', 'yes',
    '--cluster-port', String(busPort),
    '--cluster-config-file', join(dir, 'nodes.conf'),
    '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
    '--appendonly', 'yes',
    '--save', '',
    '--dir', dir,
    '--logfile', join(dir, 'redis.log'),
    '--protected-mode', 'yes'
  ]
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  child.on('error', (error) => {
    console.error(`could not start redis-server (is it on PATH? cluster tests need it): ${error.message}`)
  })
  return child
}

function connectTo (port: number): Redis {
  // Short timeouts and no retries: a probe of a dead node should fail fast, not queue.
  return new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000, commandTimeout: 2000, enableOfflineQueue: true })
}

async function onNode<T> (port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = connectTo(port)
  client.on('error', () => { /* reported through the rejected command */ })
  try {
    await client.connect()
    return await use(client)
  } finally {
    client.disconnect()
  }
}

async function waitForPing (port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with code ${child.exitCode} at start`)
    try {
      if (await onNode(port, async (client) => await client.ping()) === 'PONG') return
    } catch { /* not listening yet */ }
    await sleep(25)
  }
  throw new Error(`redis-server on ${port} did not answer PING within 10 s`)
}

function infoField (info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim()
}

interface NodeLine { port: number, role: 'master' | 'replica', failed: boolean, slots: number }

/** Parses CLUSTER NODES as one live node sees it. */
function parseNodes (text: string): NodeLine[] {
  return text.trim().split('\n').map((line) => {
    const [, address = '', flags = '', , , , , , ...slotRanges] = line.split(' ')
    const port = Number(/:(\d+)@/.exec(address)?.[1])
    const flagList = flags.split(',')
    const slots = slotRanges.filter((range) => !range.startsWith('[')).reduce((sum, range) => {
      const [from, to = from] = range.split('-').map(Number) as [number, number?]
      return sum + (to as number) - from + 1
    }, 0)
    return {
      port,
      role: flagList.includes('master') ? 'master' : 'replica',
      failed: flagList.includes('fail') || flagList.includes('fail?') || flagList.includes('noaddr'),
      slots
    }
  })
}

/** Starts 3 masters and 3 replicas and resolves once the cluster serves every slot with replicas in sync. */
export async function startRedisCluster (): Promise<RedisCluster> {
  const started = Date.now()
  const taken = new Set<number>()
  const processes: NodeProcess[] = []
  const total = MASTERS * (1 + REPLICAS_PER_MASTER)

  const live = (): NodeProcess[] => processes.filter((node) => node.child.exitCode === null && node.child.signalCode === null)

  const clusterNodes = async (): Promise<NodeLine[]> => {
    for (const node of live()) {
      try {
        return parseNodes(String(await onNode(node.port, async (client) => await client.call('CLUSTER', 'NODES'))))
      } catch { /* ask the next live node */ }
    }
    throw new Error('no live cluster node answered CLUSTER NODES')
  }

  const livePorts = (): Set<number> => new Set(live().map((node) => node.port))

  const cluster: RedisCluster = {
    nodes: [],
    async masters () {
      const ports = livePorts()
      return (await clusterNodes()).filter((node) => node.role === 'master' && !node.failed && ports.has(node.port)).map(({ port }) => ({ host: HOST, port }))
    },
    async replicas () {
      const ports = livePorts()
      return (await clusterNodes()).filter((node) => node.role === 'replica' && !node.failed && ports.has(node.port)).map(({ port }) => ({ host: HOST, port }))
    },
    async killNode (port) {
      const node = processes.find((candidate) => candidate.port === port)
      if (node === undefined) throw new Error(`no cluster node on port ${port}`)
      node.child.kill('SIGCONT')
      node.child.kill('SIGKILL')
      await exited(node.child)
      progress(`killed node ${port} (SIGKILL)`)
    },
    async restartNode (port) {
      const node = processes.find((candidate) => candidate.port === port)
      if (node === undefined) throw new Error(`no cluster node on port ${port}`)
      if (node.child.exitCode === null && node.child.signalCode === null) throw new Error(`node ${port} is still running`)
      node.child = launch(node.port, node.busPort, node.dir)
      track(node)
      await waitForPing(node.port, node.child)
      progress(`restarted node ${port}`)
    },
    async waitUntilHealthy (timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      let last = ''
      while (Date.now() < deadline) {
        try {
          last = await healthProblem()
          if (last === '') return
        } catch (error) {
          last = (error as Error).message
        }
        await sleep(100)
      }
      throw new Error(`cluster not healthy within ${timeoutMs} ms: ${last}`)
    },
    async command (port, name, ...args) {
      return await onNode(port, async (client) => await client.call(name, ...args))
    },
    async stop () {
      await Promise.all(processes.map(async (node) => {
        node.child.kill('SIGCONT')
        node.child.kill('SIGKILL')
        await exited(node.child)
        await rm(node.dir, { recursive: true, force: true })
      }))
      if (processes.length > 0) progress(`stopped ${processes.length} nodes`)
      processes.length = 0
    }
  }

  // '' when healthy, else what is still wrong (for the timeout message).
  async function healthProblem (): Promise<string> {
    const nodes = live()
    const masterPorts = new Set<number>()
    for (const node of nodes) {
      const info = String(await onNode(node.port, async (client) => await client.call('CLUSTER', 'INFO')))
      if (infoField(info, 'cluster_state') !== 'ok') return `node ${node.port}: cluster_state ${infoField(info, 'cluster_state')}`
      if (infoField(info, 'cluster_slots_ok') !== '16384') return `node ${node.port}: cluster_slots_ok ${infoField(info, 'cluster_slots_ok')}`
      if (Number(infoField(info, 'cluster_known_nodes')) < nodes.length) return `node ${node.port}: knows ${infoField(info, 'cluster_known_nodes')} nodes`
      const replication = String(await onNode(node.port, async (client) => await client.call('INFO', 'replication')))
      if (infoField(replication, 'role') === 'master') masterPorts.add(node.port)
      else if (infoField(replication, 'master_link_status') !== 'up') return `replica ${node.port}: master link ${infoField(replication, 'master_link_status')}`
    }
    // Every live node must agree that the slots belong to live masters only.
    const view = await clusterNodes()
    const serving = view.filter((node) => node.role === 'master' && node.slots > 0)
    const covered = serving.reduce((sum, node) => sum + node.slots, 0)
    if (covered !== 16384) return `masters cover ${covered} slots`
    const dead = serving.find((node) => !masterPorts.has(node.port) || node.failed)
    if (dead !== undefined) return `slots still owned by ${dead.port}`
    return ''
  }

  try {
    for (let index = 0; index < total; index++) {
      const { port, busPort } = await freeNodePorts(taken)
      const dir = await mkdtemp(join(tmpdir(), `rotor-cluster-${port}-`))
      const node = { port, busPort, dir, child: launch(port, busPort, dir) }
      processes.push(node)
      track(node)
    }
    cluster.nodes = processes.map(({ port }) => ({ host: HOST, port }))
    await Promise.all(processes.map(async (node) => { await waitForPing(node.port, node.child) }))
    progress(`${total} redis-server nodes up on ports ${processes.map((node) => node.port).join(', ')} (${Date.now() - started} ms)`)

    await run('redis-cli', ['--cluster', 'create', ...processes.map((node) => `${HOST}:${node.port}`), '--cluster-replicas', String(REPLICAS_PER_MASTER), '--cluster-yes'], { timeout: 30_000 })
    progress(`slots assigned by redis-cli --cluster create (${Date.now() - started} ms)`)

    await cluster.waitUntilHealthy(30_000)
    const masters = await cluster.masters()
    const replicas = await cluster.replicas()
    if (masters.length !== MASTERS || replicas.length !== MASTERS * REPLICAS_PER_MASTER) {
      throw new Error(`expected ${MASTERS} masters and ${MASTERS * REPLICAS_PER_MASTER} replicas, got ${masters.length} and ${replicas.length}`)
    }
    progress(`cluster_state:ok on every node, masters ${masters.map((node) => node.port).join(', ')} (${Date.now() - started} ms)`)
    return cluster
  } catch (error) {
    await cluster.stop()
    throw error
  }
}

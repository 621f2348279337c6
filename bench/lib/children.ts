// Every process the bench starts (redis-servers, the Rotor server, the baselines) is registered here,
// so one cleanup stops them all however the run ends (done, error, Ctrl-C).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js'

export { freePort }

/** Repository root (this file is dist/bench/lib/children.js once built). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

const cleanups: Array<() => Promise<void>> = []

/** Runs `cleanup` when the run ends (in reverse order of registration). */
export function onCleanup (cleanup: () => Promise<void>): void {
  cleanups.push(cleanup)
}

export async function stopAll (): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()
    await cleanup?.().catch(() => {})
  }
}

export async function startRedis (options: RedisServerOptions = {}): Promise<RedisServer> {
  const redis = await startRedisServer(options)
  const stop = async (): Promise<void> => { await redis.stop() }
  cleanups.push(stop)
  return {
    ...redis,
    stop: async () => {
      cleanups.splice(cleanups.indexOf(stop), 1)
      await stop()
    }
  }
}

export interface NodeChild {
  name: string
  port: number
  url: string
  process: ChildProcess
  /** Last lines the process wrote, for error messages. */
  output (): string
  stop (): Promise<void>
  /** Heap in use after a full collection (bench/lib/heap-probe.ts); only with `launch.heapProbe`. */
  heap (): Promise<HeapReading>
  /** Sends `message` over the IPC channel and resolves with the next message back; only with `launch.ipc`. */
  ask (message: unknown): Promise<unknown>
}

export interface HeapReading { heapUsed: number, rss: number, external: number }

/** node arguments that load the heap probe (the process must also get an IPC channel). */
const HEAP_PROBE_ARGS = ['--expose-gc', '--import', './dist/bench/lib/heap-probe.js']

async function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
}

/**
 * Runs `node [nodeArgs] <script>` (a path under dist/, relative to the repository root) with `env`
 * added and PORT set to a free port, and waits until `readyPath` answers any HTTP status. Stopped
 * with SIGKILL, or SIGTERM first with `gracefulStop`.
 */
export async function startNode (
  name: string,
  script: string,
  env: Record<string, string>,
  readyPath = '/',
  launch: { nodeArgs?: string[], gracefulStop?: boolean, heapProbe?: boolean, ipc?: boolean, portVariable?: string } = {}
): Promise<NodeChild> {
  const port = await freePort()
  const probe = launch.heapProbe === true
  const ipc = probe || launch.ipc === true
  const child = spawn(process.execPath, [...probe ? HEAP_PROBE_ARGS : [], ...launch.nodeArgs ?? [], script], {
    cwd: ROOT,
    env: { ...process.env, ...env, [launch.portVariable ?? 'PORT']: String(port), HOST: '127.0.0.1' },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe']
  })
  let tail = ''
  const keep = (chunk: Buffer): void => { tail = (tail + chunk.toString()).slice(-4000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let stopping = false
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`\n${name} exited unexpectedly (${signal ?? `code ${code}`}); its last output:\n${tail}`)
  })
  const stop = async (): Promise<void> => {
    stopping = true
    if (launch.gracefulStop === true && child.exitCode === null) {
      // SIGTERM lets the process exit on its own (node writes --cpu-prof profiles only then).
      child.kill('SIGTERM')
      const timer = setTimeout(() => { child.kill('SIGKILL') }, 15_000)
      await exited(child)
      clearTimeout(timer)
      return
    }
    child.kill('SIGKILL')
    await exited(child)
  }
  cleanups.push(stop)
  const handle: NodeChild = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => tail,
    ask: async (message) => await new Promise((resolve, reject) => {
      if (!ipc) { reject(new Error(`${name} was started without an IPC channel`)); return }
      const timer = setTimeout(() => { reject(new Error(`${name} did not answer ${JSON.stringify(message)} within 30 s`)) }, 30_000)
      child.once('message', (answer) => { clearTimeout(timer); resolve(answer) })
      child.send(message as string)
    }),
    heap: async () => {
      if (!probe) throw new Error(`${name} was started without the heap probe`)
      const { collected, ...heap } = await handle.ask('heap') as HeapReading & { collected: boolean }
      if (!collected) throw new Error(`${name}: no gc() in the heap probe (--expose-gc missing)`)
      return heap
    },
    stop: async () => {
      cleanups.splice(cleanups.indexOf(stop), 1)
      await stop()
    }
  }
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}:\n${tail}`)
    try {
      await fetch(handle.url + readyPath)
      return handle
    } catch {
      await sleep(50)
    }
  }
  await handle.stop()
  throw new Error(`${name} did not answer on ${handle.url}${readyPath} within 20 s:\n${tail}`)
}

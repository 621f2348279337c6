// Starts a private redis-server on a free loopback port, for a bench run or one test file (tests
// import it from here), so neither ever touches a database it did not create; fault tests also
// stop, freeze (SIGSTOP) and restart it.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export interface RedisServerOptions {
  /** Extra `--name value` arguments, for example `{ appendonly: 'yes' }`. */
  config?: Record<string, string>
  /** Reuse a data directory (to restart a server with its AOF). */
  dir?: string
  port?: number
}

export interface RedisServer {
  port: number
  url: string
  dir: string
  process: ChildProcess
  /** SIGKILL and wait for exit. */
  kill (): Promise<void>
  /** SIGSTOP: connections stay open but nothing answers. */
  freeze (): void
  /** SIGCONT after freeze(). */
  thaw (): void
  /** Stops (SIGTERM, so AOF is flushed) and starts again on the same port and data directory. */
  restart (): Promise<void>
  /** Stops the server and removes its data directory. */
  stop (): Promise<void>
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

async function waitForPort (port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode} before listening on ${port}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => { resolve(false) })
    })
    if (open) return
    await sleep(25)
  }
  throw new Error(`redis-server did not listen on ${port} within 10 s`)
}

async function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
}

function launch (port: number, dir: string, config: Record<string, string>): ChildProcess {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--logfile', '']
  for (const [name, value] of Object.entries(config)) args.push(`--${name}`, value)
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  child.on('error', (error) => {
    console.error(`could not start redis-server (is it on PATH? tests and the bench need it): ${error.message}`)
  })
  return child
}

/** Starts a redis-server; call `stop()` when done (a test: in its teardown). */
export async function startRedisServer (options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? await freePort()
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'rotor-redis-'))
  const config = options.config ?? {}
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: launch(port, dir, config),
    async kill () {
      server.process.kill('SIGCONT')
      server.process.kill('SIGKILL')
      await exited(server.process)
    },
    freeze () { server.process.kill('SIGSTOP') },
    thaw () { server.process.kill('SIGCONT') },
    async restart () {
      server.process.kill('SIGCONT')
      server.process.kill('SIGTERM')
      await exited(server.process)
      server.process = launch(port, dir, config)
      await waitForPort(port, server.process)
    },
    async stop () {
      server.process.kill('SIGCONT')
      server.process.kill('SIGKILL')
      await exited(server.process)
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true })
    }
  }
  await waitForPort(port, server.process)
  return server
}

// Starts redis-server the way docker-compose.yml does — deploy/redis/start-redis.sh with the
// committed redis.conf and ACL rules — on a free loopback port and a temporary data folder, so
// tests check the production configuration itself rather than a copy of it.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../../bench/lib/redis-server.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

export interface ProductionRedis {
  port: number
  dir: string
  /** The rotor user's password (what REDIS_URL carries in production). */
  password: string
  /** Password of an extra all-powerful `admin` user, only when started with `{ admin: true }`. */
  adminPassword: string
  /** Everything redis-server and the start script printed. */
  output: () => string
  stop: () => Promise<void>
}

async function exited (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
}

/**
 * `admin: true` appends an `admin` user to the ACL rules (tests need CONFIG GET, which the rotor
 * user must not have); the rotor and default users are exactly the committed ones either way.
 */
export async function startProductionRedis (options: { admin?: boolean } = {}): Promise<ProductionRedis> {
  const port = await freePort()
  if (port === 6379) throw new Error('refusing the shared Redis port')
  const dir = await mkdtemp(join(tmpdir(), 'rotor-redis-prod-'))
  const password = randomBytes(32).toString('hex')
  const adminPassword = randomBytes(32).toString('hex')
  await writeFile(join(dir, 'password'), `${password}\n`, { mode: 0o600 })
  let template = join(root, 'deploy/redis/users.acl')
  if (options.admin === true) {
    const rules = await readFile(template, 'utf8')
    template = join(dir, 'users-with-admin.acl')
    await writeFile(template, `${rules}user admin on >${adminPassword} ~* &* +@all\n`)
  }
  let output = ''
  const child = spawn('sh', [join(root, 'deploy/redis/start-redis.sh'), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], {
    env: {
      PATH: process.env.PATH,
      REDIS_CONF: join(root, 'redis.conf'),
      REDIS_ACL_TEMPLATE: template,
      REDIS_ACL_FILE: join(dir, 'acl', 'users.acl'),
      REDIS_PASSWORD_FILE: join(dir, 'password')
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL')
    await exited(child)
    await rm(dir, { recursive: true, force: true })
  }
  process.once('exit', () => { child.kill('SIGKILL') })

  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`redis-server with redis.conf exited (${child.exitCode}):\n${output}`)
    }
    // A reply (NOAUTH, since the default user is off) means the ACL file loaded: Redis listens
    // before it reads the ACL file and exits on an error in it.
    const answered = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.write('PING\r\n') })
      socket.once('data', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => { resolve(false) })
      socket.once('close', () => { resolve(false) })
    })
    if (answered) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`redis-server with redis.conf did not listen within 10 s:\n${output}`)
    }
    await sleep(25)
  }
  return { port, dir, password, adminPassword, output: () => output, stop }
}

// docs/http-api.md, "Access tokens": the SIGHUP of the server's terminal closing (`npm start`, then the
// window is closed) shuts the server down as SIGTERM does, exit code 0 and its port freed (a
// cluster's primary and workers too), while a `kill -HUP` with the terminal still there reloads the keys. The real server runs in a pseudo-terminal
// made by util-linux `script`, behind a shell that passes SIGHUP on to its job as an interactive
// shell does; killing `script` closes the terminal, and Linux hangs it up.
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, startRedisServer } from '../../bench/lib/redis-server.js'
import { generateKeyFile } from '../../src/domain/keys.js'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { builtServer, httpRequest, REPO_ROOT } from '../helpers/server-process.js'

// Generous: how long a process that exits at all takes, on a loaded machine.
const BOUND_MS = 30_000

// The shell stays alive after the hang-up (it traps SIGHUP) to pass it on and to write down how the
// server ended, which a grandchild's exit would not tell this test otherwise.
const SHELL = `
"$NODE" "$ENTRY" &
server=$!
trap 'kill -HUP "$server"' HUP
echo "$server" > "$HANGUP_DIR/pid"
while wait "$server"; status=$?; [ "$status" -gt 128 ] && kill -0 "$server" 2>/dev/null; do :; done
echo "$status" > "$HANGUP_DIR/status"
`

interface TerminalServer {
  pid: number
  url: string
  port: number
  /** Closes the terminal: `script` dies and the kernel hangs up its pseudo-terminal. */
  closeTerminal: () => void
  /** The server's exit status once it has exited, or undefined after BOUND_MS. */
  exitStatus: () => Promise<string | undefined>
}

async function within<T> (poll: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + BOUND_MS
  while (Date.now() < deadline) {
    const value = await poll()
    if (value !== undefined) return value
    await sleep(100)
  }
  return undefined
}

function running (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Starts `node <build>/src/<entry>.js` in a terminal of its own and waits until it answers. */
async function startInTerminal (env: Record<string, string>, entry: 'server' | 'cluster' = 'server'): Promise<TerminalServer> {
  const dir = await mkdtemp(join(tmpdir(), 'rotor-hangup-'))
  const port = await freePort()
  await writeFile(join(dir, 'run.sh'), SHELL)
  const script = spawn('script', ['-qfec', `bash "${join(dir, 'run.sh')}"`, '/dev/null'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', NODE: process.execPath, ENTRY: join(dirname(await builtServer()), `${entry}.js`), HANGUP_DIR: dir, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  // What the terminal shows, drained so the server never waits on a full terminal.
  let screen = ''
  script.stdout.setEncoding('utf8').on('data', (chunk: string) => { screen = (screen + chunk).slice(-4000) })
  script.stderr.resume()
  const pid = Number(await within(async () => existsSync(join(dir, 'pid')) ? await readFile(join(dir, 'pid'), 'utf8') : undefined))
  t.teardown(async () => {
    if (pid > 0 && running(pid)) process.kill(pid, 'SIGKILL')
    script.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${port}`
  const up = await within(async () => await httpRequest(`${url}/health`).then((answer) => answer.status, () => undefined))
  if (up === undefined) throw new Error(`the server did not answer; its terminal showed: ${screen}`)
  return {
    pid,
    url,
    port,
    closeTerminal: () => { script.kill('SIGKILL') },
    exitStatus: async () => await within(async () => existsSync(join(dir, 'status')) ? (await readFile(join(dir, 'status'), 'utf8')).trim() : undefined)
  }
}

async function portIsFree (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => { resolve(false) })
    probe.listen(port, '127.0.0.1', () => { probe.close(() => { resolve(true) }) })
  })
}

async function kids (url: string): Promise<string[]> {
  const jwks = await httpRequest(`${url}/.well-known/jwks.json`)
  return jwks.json<{ keys: Array<{ kid: string }> }>().keys.map((key) => key.kid)
}

t.test('with its terminal open, kill -HUP reloads the keys; closing the terminal stops the server', async (t) => {
  const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
  const server = await startInTerminal({ JWT_KEYS_DIR: keys.dir, LOG_LEVEL: 'info' })
  t.same(await kids(server.url), ['2026-01-01'])

  await generateKeyFile('EdDSA', keys.dir, '2026-02-01')
  process.kill(server.pid, 'SIGHUP')
  const reloaded = await within(async () => (await kids(server.url)).length === 2 ? true : undefined)
  t.ok(reloaded, 'kill -HUP loaded the new key')
  t.ok(running(server.pid), 'and the server kept running')
  t.equal((await httpRequest(`${server.url}/health`)).status, 200, 'and serving')

  server.closeTerminal()
  t.equal(await server.exitStatus(), '0', 'the hang-up shut the server down, exit code 0 as after SIGTERM')
  t.notOk(running(server.pid))
  t.ok(await portIsFree(server.port), 'its port is free')
})

t.test('a production server logging JSON to its terminal exits too', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => { await redis.stop() })
  const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
  const server = await startInTerminal({
    NODE_ENV: 'production', REDIS_URL: redis.url, JWT_KEYS_DIR: keys.dir, JWT_ISSUER: 'https://auth.example.com', LOG_LEVEL: 'info'
  })
  // Requests under way as the terminal closes, each logging to it.
  let stop = false
  const load = (async () => {
    while (!stop) await httpRequest(`${server.url}/.well-known/jwks.json`).catch(() => undefined)
  })()
  await sleep(200)
  server.closeTerminal()
  const status = await server.exitStatus()
  stop = true
  await load
  t.equal(status, '0', 'exit code 0: losing the log is neither a crash nor a hang')
  t.ok(await portIsFree(server.port), 'its port is free')
})

t.test('npm run start:cluster stops, workers and primary, when its terminal closes', async (t) => {
  const redis = await startRedisServer()
  t.teardown(async () => { await redis.stop() })
  const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])
  const server = await startInTerminal({ WORKERS: '2', REDIS_URL: redis.url, JWT_KEYS_DIR: keys.dir, LOG_LEVEL: 'info' }, 'cluster')
  server.closeTerminal()
  t.equal(await server.exitStatus(), '0', 'the primary drained its workers and exited, starting no other')
  t.ok(await portIsFree(server.port), 'the port is free')
})

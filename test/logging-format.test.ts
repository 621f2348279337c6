// Log lines are pino-pretty's only for a person at a terminal in development; JSON otherwise.
// The choice as a unit, then the real server twice: under a pseudo-terminal (`script`), whose lines
// are pretty, and with stdout piped, whose lines are JSON.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { stripVTControlCharacters } from 'node:util'
import t from 'tap'
import { logFormat } from '../src/logger.js'
import { builtServer, listeningUrl, spawnServer } from './helpers/server-process.js'

const DEVELOPMENT = { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }

t.test('pretty only when stdout is a TTY and NODE_ENV is not production', async (t) => {
  t.equal(logFormat({ isTTY: true, production: false }), 'pretty', 'a developer at a terminal')
  t.equal(logFormat({ isTTY: true, production: true }), 'json', 'production at a terminal')
  t.equal(logFormat({ isTTY: false, production: false }), 'json', 'piped, in development')
  t.equal(logFormat({ isTTY: undefined, production: false }), 'json', 'not a TTY (Node leaves isTTY undefined for pipes and files)')
  t.equal(logFormat({ isTTY: undefined, production: true }), 'json', 'a container in production')
})

// The pid of `script`'s child, the server (`exec` makes node that child rather than a shell's).
function childOf (pid: number): number | undefined {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
  return children === '' ? undefined : Number(children.split(' ')[0])
}

t.test('under a pseudo-terminal the server writes pretty lines', async (t) => {
  const serverJs = await builtServer()
  const script = spawn('script', ['-qfec', `exec ${process.execPath} ${serverJs}`, '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...DEVELOPMENT },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  script.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)))
  t.teardown(() => {
    const server = script.exitCode === null ? childOf(script.pid as number) : undefined
    if (server !== undefined) process.kill(server, 'SIGKILL')
    if (script.exitCode === null) script.kill('SIGKILL')
  })
  const deadline = Date.now() + 60_000
  while (!output.includes('Server listening at') && script.exitCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const server = childOf(script.pid as number)
  if (server === undefined) throw new Error(`the server is not running under script; output: ${output}`)
  process.kill(server, 'SIGTERM')
  t.equal(await exited, 0, 'the server shut down cleanly on SIGTERM')

  // A terminal's lines end in CR LF and carry colours: both taken off before reading them.
  const lines = stripVTControlCharacters(output).split(/\r?\n/).filter((line) => line !== '')
  t.comment(lines.join('\n'))
  t.ok(lines.some((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(line)), 'the listening line, with its time and level, as a person reads it')
  t.ok(lines.some((line) => /INFO: shutting down: draining requests/.test(line)), 'the shutdown line too')
  t.notOk(lines.some((line) => line.startsWith('{')), 'no JSON line')
  t.not(stripVTControlCharacters(output), output, 'in colour')
})

t.test('with stdout piped the server writes JSON lines', async (t) => {
  const server = await spawnServer(t, DEVELOPMENT)
  await listeningUrl(server)
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
  t.ok(server.lines.length >= 2)
  for (const line of server.lines.filter((line) => line !== '')) {
    const parsed = JSON.parse(line) as { level?: unknown, time?: unknown, msg?: unknown }
    t.ok(typeof parsed.level === 'number' && typeof parsed.time === 'number' && typeof parsed.msg === 'string', `a pino JSON line: ${String(parsed.msg)}`)
  }
})

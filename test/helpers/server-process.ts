// Runs the real server as a child process (`node <build>/src/server.js`) for tests where the process
// itself matters: start-up refusals, SIGTERM draining, SIGKILL mid-load.
//
// The build is a per-file TypeScript transpile (the tree has isolatedModules on, so it emits what
// `tsc -p tsconfig.build.json` emits; `npm test` type-checks separately), cached under .tap/ by a
// hash of the sources: several test files share one build, and each builds into a temporary
// directory renamed into place, so a file never sees another one's half-written build.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { cp, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { request, type Agent } from 'node:http'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SOURCE_DIRS = ['src', 'plugins']

async function sourceFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const files: string[] = []
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...await sourceFiles(path))
    else if (/\.(ts|lua)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path)
  }
  return files.sort()
}

let built: Promise<string> | undefined

/** Path of the compiled src/server.js of the current sources, building them once if needed. */
export async function builtServer (): Promise<string> {
  built ??= transpiledTree(SOURCE_DIRS, 'server-build').then((outDir) => join(outDir, 'src', 'server.js'))
  return await built
}

/**
 * The folders `dirs` (relative to the repository) transpiled into .tap/<cacheName>/<hash of their
 * sources>/, built once per hash; `extraFiles` (path → text) are written into the build too.
 */
export async function transpiledTree (dirs: string[], cacheName: string, extraFiles: Record<string, string> = {}): Promise<string> {
  const files = (await Promise.all(dirs.map(async (dir) => await sourceFiles(join(REPO_ROOT, dir))))).flat()
  const hash = createHash('sha256')
  for (const file of files) hash.update(relative(REPO_ROOT, file)).update('\0').update(await readFile(file)).update('\0')
  for (const [path, text] of Object.entries(extraFiles)) hash.update(path).update('\0').update(text).update('\0')
  const outDir = join(REPO_ROOT, '.tap', cacheName, hash.digest('hex').slice(0, 16))
  if (existsSync(outDir)) {
    // Marks the build as in use, so pruneOldBuilds leaves it alone.
    await utimes(outDir, new Date(), new Date())
    return outDir
  }

  const staging = `${outDir}.tmp-${process.pid}-${Date.now()}`
  for (const file of files) {
    const target = join(staging, relative(REPO_ROOT, file))
    await mkdir(dirname(target), { recursive: true })
    if (file.endsWith('.lua')) {
      await cp(file, target)
      continue
    }
    const output = ts.transpileModule(await readFile(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, sourceMap: false }
    })
    await writeFile(target.replace(/\.ts$/, '.js'), output.outputText)
  }
  for (const [path, text] of Object.entries(extraFiles)) {
    await mkdir(dirname(join(staging, path)), { recursive: true })
    await writeFile(join(staging, path), text)
  }
  try {
    await rename(staging, outDir)
  } catch {
    // Another test file finished the same build first.
    await rm(staging, { recursive: true, force: true })
  }
  await pruneOldBuilds(dirname(outDir))
  return outDir
}

/** Builds of older sources pile up as the tree changes; one unused for an hour is not running. */
async function pruneOldBuilds (buildsDir: string): Promise<void> {
  const hourAgo = Date.now() - 60 * 60 * 1000
  for (const name of await readdir(buildsDir)) {
    const path = join(buildsDir, name)
    if ((await stat(path)).mtimeMs < hourAgo) await rm(path, { recursive: true, force: true })
  }
}

export interface ServerProcess {
  child: ChildProcess
  /** Every stdout line so far (pino JSON lines). */
  lines: string[]
  stderr (): string
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>
  /** Resolves with the first stdout line `match` accepts. */
  waitForLine (match: (line: string) => boolean, timeoutMs?: number): Promise<string>
}

/**
 * Starts `node <build>/src/server.js` (or `cluster.js`, the primary of `npm run start:cluster`) with
 * exactly `env` (plus PATH); stopped with SIGKILL at teardown.
 */
export async function spawnServer (
  t: { teardown (fn: () => unknown): void },
  env: Record<string, string>,
  entry: 'server' | 'cluster' = 'server'
): Promise<ServerProcess> {
  const serverJs = await builtServer()
  return spawnNode(t, entry === 'server' ? serverJs : join(dirname(serverJs), 'cluster.js'), env)
}

/** Every child spawnNode started, killed when this process exits should teardown not run. */
const children = new Set<ChildProcess>()
let killOnExit = false

/**
 * Starts `node <script>` with exactly `env` (plus PATH); stopped with SIGKILL at teardown, and when
 * the test file's process exits (teardown does not run when a file throws at its top level).
 */
export function spawnNode (t: { teardown (fn: () => unknown): void }, script: string, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.add(child)
  child.once('exit', () => { children.delete(child) })
  if (!killOnExit) {
    killOnExit = true
    process.once('exit', () => { for (const running of children) running.kill('SIGKILL') })
  }
  const lines: string[] = []
  const waiters = new Set<() => void>()
  let stderr = ''
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    for (const wake of waiters) wake()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const wake of waiters) wake()
      resolve(code ?? signal ?? -1)
    })
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })

  async function waitForLine (match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(match)
        if (found !== undefined) { done(); resolve(found); return }
        if (child.exitCode !== null || child.signalCode !== null) {
          done(); reject(new Error(`server exited (${child.exitCode ?? child.signalCode}) before the expected line; stderr: ${stderr}`)); return
        }
        if (Date.now() > deadline) { done(); reject(new Error(`no expected line within ${timeoutMs} ms; stdout: ${lines.slice(-5).join('\n')}`)) }
      }
      const timer = setInterval(check, 50)
      const done = (): void => { clearInterval(timer); waiters.delete(check) }
      waiters.add(check)
      check()
    })
  }

  return { child, lines, stderr: () => stderr, exited, waitForLine }
}

/** Waits for Fastify's "Server listening at" line and returns the base URL. */
export async function listeningUrl (server: ServerProcess): Promise<string> {
  const line = await server.waitForLine((l) => l.includes('Server listening at'))
  const url = /Server listening at (http:\/\/[^"\s]+)/.exec(line)?.[1]
  if (url === undefined) throw new Error(`no URL in ${line}`)
  return url
}

export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json<T = Record<string, unknown>> (): T
}

/** One HTTP request (JSON body when `body` is given); rejects on network errors. */
export async function httpRequest (
  url: string,
  options: { method?: string, body?: unknown, headers?: Record<string, string>, agent?: Agent | false } = {}
): Promise<HttpAnswer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
  const headers: Record<string, string> = { ...options.headers }
  if (payload !== undefined) headers['content-type'] = 'application/json'
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers, agent: options.agent ?? false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

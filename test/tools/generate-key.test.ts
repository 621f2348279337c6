// `npm run keys`, run as the process an operator runs: --help is usage on stdout with exit 0; a
// new key's name is the UTC time YYYYMMDDTHHMMSSZ, so it sorts after older keys in byte order; a kid
// that already exists is one line on stderr and exit 1, not a stack trace.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { builtServer } from '../helpers/server-process.js'

const tool = join(dirname(await builtServer()), 'tools', 'generate-key.js')
const dir = await mkdtemp(join(tmpdir(), 'rotor-keys-tool-'))
t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })

async function run (...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [tool, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  return { code, stdout, stderr }
}

t.test('--help prints usage to stdout and exits 0', async (t) => {
  const help = await run('--help')
  t.equal(help.code, 0)
  t.match(help.stdout, /^usage: npm run keys -- <EdDSA\|ES256\|RS256\|HS256> <dir> \[kid\]/)
  t.match(help.stdout, /YYYYMMDDTHHMMSSZ/, 'names the key-name scheme')
  t.match(help.stdout, /SESSION_MAX_TTL/, 'says when an old key may be deleted')
  t.equal(help.stderr, '')
  const wrong = await run('nope')
  t.equal(wrong.code, 2, 'bad arguments still exit non-zero')
  t.match(wrong.stderr, /^usage:/)
})

t.test('a new key is named by the UTC second and sorts after an older key', async (t) => {
  const older = await run('EdDSA', dir, '20200101T000000Z')
  t.equal(older.code, 0)
  const before = new Date().toISOString().replace(/[-:]|\.\d+/g, '')
  const made = await run('EdDSA', dir)
  t.equal(made.code, 0, made.stderr)
  const name = made.stdout.trim().slice(dir.length + 1)
  t.match(name, /^\d{8}T\d{6}Z\.pem$/)
  t.ok(name.slice(0, -4) >= before, 'the UTC time of the run')
  const names = (await readdir(dir)).sort()
  t.equal(names.at(-1), name, 'sorts last in byte order')
})

t.test('an existing kid is a one-line error, not a stack trace', async (t) => {
  const again = await run('EdDSA', dir, '20200101T000000Z')
  t.equal(again.code, 1)
  t.equal(again.stdout, '')
  t.equal(again.stderr.trim().split('\n').length, 1, again.stderr)
  t.match(again.stderr, /already holds a key with kid "20200101T000000Z": choose another kid/)
})

t.test('a key that will not sign, or whose name looks like another, is warned about on stderr', async (t) => {
  const own = await mkdtemp(join(tmpdir(), 'rotor-keys-tool-'))
  t.teardown(async () => { await rm(own, { recursive: true, force: true }) })
  t.equal((await run('EdDSA', own, 'primary')).code, 0)
  const made = await run('EdDSA', own)
  t.equal(made.code, 0, 'the key is written all the same')
  const name = made.stdout.trim().slice(own.length + 1)
  const lines = made.stderr.trim().split('\n')
  t.equal(lines.length, 2, made.stderr)
  t.equal(lines[0], `rotor keys: warning: "${name}" will not sign: "primary.pem" sorts after it in byte order and keeps signing`)
  t.match(lines[1], `rotor keys: warning: JWT_KEYS_DIR: "primary.pem" signs, as its name sorts last in byte order, although "${name}" is dated later`)

  const alike = await run('EdDSA', own, 'Primary')
  t.equal(alike.code, 0)
  t.match(alike.stderr, /rotor keys: warning: JWT_KEYS_DIR: "Primary\.pem" and "primary\.pem" look alike \(their names differ only by case/)

  const sound = await mkdtemp(join(tmpdir(), 'rotor-keys-tool-'))
  t.teardown(async () => { await rm(sound, { recursive: true, force: true }) })
  t.equal((await run('EdDSA', sound, '20200101T000000Z')).stderr, '')
  t.equal((await run('EdDSA', sound)).stderr, '', 'names by the UTC second draw no warning')
})

// With NODE_ENV=production, start-up refuses every unsafe default: the embedded store, an
// ephemeral signing key, COOKIE_SECURE=false, the localhost JWT_ISSUER, and an HS256 secret under 32
// bytes. Each refusal is a non-zero exit with one line on stderr naming the variable, before anything
// listens; several unsafe settings are all reported by one start, a line each. A safe production
// configuration starts.
import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ConfigError, loadConfig } from '../src/config.js'
import { generateKeyFile, loadKeyRing } from '../src/domain/keys.js'
import { httpRequest, listeningUrl, spawnServer, type ServerProcess } from './helpers/server-process.js'
import { startRedisServer } from '../bench/lib/redis-server.js'

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })

const keysDir = await mkdtemp(join(tmpdir(), 'rotor-prod-keys-'))
const shortSecretDir = await mkdtemp(join(tmpdir(), 'rotor-prod-hs256-'))
t.teardown(async () => {
  await rm(keysDir, { recursive: true, force: true })
  await rm(shortSecretDir, { recursive: true, force: true })
})
await generateKeyFile('EdDSA', keysDir, '20260101')
await writeFile(join(shortSecretDir, '20260101.key'), randomBytes(16), { mode: 0o600 })

/** Everything production needs; each case below makes one thing unsafe. */
const SAFE: Record<string, string> = {
  NODE_ENV: 'production',
  PORT: '0',
  REDIS_URL: redis.url,
  REDIS_PREFIX: 'prod-safety:',
  JWT_KEYS_DIR: keysDir,
  JWT_ISSUER: 'https://auth.example.com',
  LOG_LEVEL: 'info'
}

function without (name: string): Record<string, string> {
  const env = { ...SAFE }
  delete env[name]
  return env
}

const unsafe: Array<{ name: string, env: Record<string, string>, variable: RegExp }> = [
  { name: 'no REDIS_URL (embedded store)', env: without('REDIS_URL'), variable: /REDIS_URL/ },
  { name: 'no JWT_KEYS_DIR (ephemeral key)', env: without('JWT_KEYS_DIR'), variable: /JWT_KEYS_DIR/ },
  { name: 'COOKIE_SECURE=false', env: { ...SAFE, COOKIE_SECURE: 'false', COOKIE_NAME: 'refresh_token' }, variable: /COOKIE_SECURE/ },
  { name: 'no JWT_ISSUER (the localhost default)', env: without('JWT_ISSUER'), variable: /JWT_ISSUER=https:/ },
  { name: 'JWT_ISSUER set to the localhost default', env: { ...SAFE, JWT_ISSUER: 'http://localhost:3000' }, variable: /JWT_ISSUER/ },
  { name: 'an HS256 secret of 16 bytes', env: { ...SAFE, JWT_ALG: 'HS256', JWT_KEYS_DIR: shortSecretDir }, variable: /JWT_KEYS_DIR/ }
]

t.test('loadConfig refuses the unsafe defaults in production, with one line naming the variable', async (t) => {
  for (const { name, env, variable } of unsafe.filter(({ name }) => !name.startsWith('an HS256'))) {
    let error: unknown
    try {
      loadConfig(env)
    } catch (caught) {
      error = caught
    }
    t.type(error, ConfigError, name)
    const message = (error as Error).message
    t.match(message, variable, `${name}: names the variable`)
    t.notMatch(message, /\n/, `${name}: one line`)
  }
  t.doesNotThrow(() => loadConfig(SAFE), 'the safe production configuration loads')
  t.doesNotThrow(() => loadConfig(without('NODE_ENV')), 'outside production the same defaults are allowed')
  t.doesNotThrow(() => loadConfig({ COOKIE_SECURE: 'false' }), 'COOKIE_SECURE=false is fine outside production')
})

t.test('loadConfig reports every unsafe or bad setting at once, one line each naming its variable', async (t) => {
  const env = { NODE_ENV: 'production', COOKIE_SECURE: 'false', PORT: 'eighty', LOG_LEVEL: 'loud' }
  let error: unknown
  try {
    loadConfig(env)
  } catch (caught) {
    error = caught
  }
  t.type(error, ConfigError)
  const problems = (error as ConfigError).problems
  t.equal((error as Error).message, problems.join('\n'), 'the message holds every line')
  for (const variable of ['PORT', 'LOG_LEVEL', 'REDIS_URL', 'JWT_KEYS_DIR', 'COOKIE_SECURE', 'JWT_ISSUER']) {
    t.equal(problems.filter((line) => line.includes(variable)).length, 1, `one line names ${variable}`)
  }
  t.equal(problems.length, 6, 'one line per problem, nothing else')
  for (const line of problems) t.notMatch(line, /\n/)
})

t.test('the key ring refuses an HS256 secret under 32 bytes, naming JWT_KEYS_DIR', async (t) => {
  await t.rejects(loadKeyRing({ jwtAlg: 'HS256', jwtKeysDir: shortSecretDir }), { name: 'ConfigError', message: /JWT_KEYS_DIR.*32/ })
})

t.test('the server refuses to start, with one line naming the variable, for each unsafe setting', async (t) => {
  // Started together: each is a whole node process, and they are independent.
  const servers = await Promise.all(unsafe.map(async ({ env }) => await spawnServer(t, env)))
  const exits = await Promise.all(servers.map(async (server) => await server.exited))
  unsafe.forEach(({ name, variable }, i) => {
    const server = servers[i] as ServerProcess
    t.not(exits[i], 0, `${name}: exits non-zero`)
    t.not(exits[i], 'SIGKILL', `${name}: exits by itself`)
    const stderr = server.stderr().trim()
    t.match(stderr, variable, `${name}: stderr names the variable`)
    t.equal(stderr.split('\n').length, 1, `${name}: one line, not a stack trace: ${stderr}`)
    t.notOk(server.lines.some((line) => line.includes('Server listening')), `${name}: never listened`)
  })
})

t.test('one start reports every unsafe production setting, a line each, then exits non-zero', async (t) => {
  const server = await spawnServer(t, { NODE_ENV: 'production', PORT: '0', COOKIE_SECURE: 'false', COOKIE_NAME: 'refresh_token' })
  const exit = await server.exited
  t.not(exit, 0, 'exits non-zero')
  t.not(exit, 'SIGKILL', 'exits by itself')
  const lines = server.stderr().trim().split('\n')
  t.equal(lines.length, 4, `four lines: ${server.stderr()}`)
  for (const [i, variable] of ['REDIS_URL', 'JWT_KEYS_DIR', 'COOKIE_SECURE', 'JWT_ISSUER'].entries()) {
    t.match(lines[i], new RegExp(`^rotor: .*${variable}.*; (set|remove)`), `line ${i + 1} names ${variable} and what to set`)
  }
})

t.test('a safe production configuration starts, answers and stops cleanly', async (t) => {
  const server = await spawnServer(t, SAFE)
  const url = await listeningUrl(server)
  const health = await httpRequest(`${url}/health`)
  t.equal(health.status, 200)
  t.equal((await httpRequest(`${url}/ready`)).status, 200)
  t.equal(health.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0)
  t.equal(server.stderr(), '', 'nothing on stderr')
})

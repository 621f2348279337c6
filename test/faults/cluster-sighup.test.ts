// `npm run start:cluster` and SIGHUP: the primary survives it and forwards it to every worker, each
// of which reloads its keys (docs/http-api.md, "Access tokens"); the cluster keeps serving and signs
// with the new last kid.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyFile } from '../../src/domain/keys.js'
import { tempKeyDir } from '../helpers/access-tokens.js'
import { freePort, startRedisServer } from '../../bench/lib/redis-server.js'
import { httpRequest, spawnServer } from '../helpers/server-process.js'

const WORKERS = 2
const PASSWORD = 'correct horse battery'

const redis = await startRedisServer()
t.teardown(async () => { await redis.stop() })
const keys = await tempKeyDir(t, 'EdDSA', ['2026-01-01'])

function kidOf (token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).kid as string
}

t.test('the cluster primary forwards SIGHUP to its workers and keeps running', async (t) => {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const primary = await spawnServer(t, {
    PORT: String(port), WORKERS: String(WORKERS), REDIS_URL: redis.url, REDIS_PREFIX: 'cluster-sighup:', JWT_KEYS_DIR: keys.dir,
    LOG_LEVEL: 'info', COOKIE_SECURE: 'false', RATE_LIMIT_PER_MINUTE: '1000000', LOGIN_MAX_FAILURES: '1000000'
  }, 'cluster')
  t.teardown(async () => {
    if (primary.child.exitCode === null && primary.child.signalCode === null) {
      primary.child.kill('SIGTERM')
      await primary.exited
    }
  })
  const listening = (): number => primary.lines.filter((line) => line.includes('Server listening at')).length
  await primary.waitForLine(() => listening() >= WORKERS, 20_000)

  t.equal((await httpRequest(`${url}/auth/register`, { method: 'POST', body: { username: 'clustered', password: PASSWORD } })).status, 201)
  await generateKeyFile('EdDSA', keys.dir, '2026-02-01')
  primary.child.kill('SIGHUP')
  const reloaded = (): string[] => primary.lines.filter((line) => line.includes('"event":"keys_reloaded"'))
  await primary.waitForLine(() => reloaded().length >= WORKERS)
  t.equal(reloaded().length, WORKERS, 'every worker reloaded its keys once')
  t.match(primary.stderr(), /SIGHUP: 2 workers reload their keys/)

  // Let a worker that would die of the signal be noticed by the primary before looking.
  await sleep(200)
  t.equal(primary.child.exitCode, null, 'the primary is still running')
  t.notMatch(primary.stderr(), /exited/, 'no worker exited')
  // Connections are spread over the workers: several logins reach both.
  for (let i = 0; i < 6; i++) {
    const answer = await httpRequest(`${url}/auth/login`, { method: 'POST', body: { username: 'clustered', password: PASSWORD }, headers: { 'x-token-transport': 'body' } })
    t.equal(answer.status, 200)
    t.equal(kidOf(answer.json<{ accessToken: string }>().accessToken), '2026-02-01', `login ${i + 1} is signed with the new kid`)
  }

  primary.child.kill('SIGTERM')
  t.equal(await primary.exited, 0, 'SIGTERM still stops the cluster')
})

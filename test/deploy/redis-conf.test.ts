// redis.conf parses with Redis 7 and sets what production relies on: AOF persistence every second,
// no eviction, protected mode, no keyspace events (nothing follows them: ended sessions reach
// servers through the revocation feed), and users from the generated ACL file only.
import t from 'tap'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startProductionRedis } from '../helpers/redis-production.js'

t.test('redis.conf starts Redis with persistence, noeviction and the ACL file', async (t) => {
  const redis = await startProductionRedis({ admin: true })
  t.teardown(redis.stop)
  const admin = new Redis({ port: redis.port, host: '127.0.0.1', username: 'admin', password: redis.adminPassword, lazyConnect: true })
  t.teardown(() => { admin.disconnect() })
  await admin.connect()

  const config = async (name: string): Promise<string> => {
    const reply = await admin.call('CONFIG', 'GET', name) as string[] | Record<string, string>
    return Array.isArray(reply) ? String(reply[1]) : String(reply[name])
  }
  t.equal(await config('appendonly'), 'yes', 'AOF on')
  t.equal(await config('appendfsync'), 'everysec', 'AOF fsync every second')
  t.equal(await config('maxmemory-policy'), 'noeviction', 'never evicts sessions or accounts')
  t.equal(await config('protected-mode'), 'yes', 'protected mode')
  t.equal(await config('notify-keyspace-events'), '', 'no keyspace events')
  t.equal(await config('aclfile'), join(redis.dir, 'acl', 'users.acl'), 'users come from the generated ACL file')
  t.equal(await config('dir'), redis.dir, 'test overrides reach redis-server')

  // The ACL file on disk holds the password's SHA-256, never the password.
  const acl = await readFile(join(redis.dir, 'acl', 'users.acl'), 'utf8')
  t.notOk(acl.includes(redis.password), 'no plaintext password in the ACL file')
  t.match(acl, /^user rotor on #[0-9a-f]{64} /m, 'rotor user with a hashed password')
  t.equal((await stat(join(redis.dir, 'acl', 'users.acl'))).mode & 0o077, 0, 'ACL file readable by its owner only')

  await admin.set('auth:conf-test', '1')
  t.match(String(await admin.info('persistence')), /aof_enabled:1/, 'INFO reports AOF enabled')
  t.ok((await stat(join(redis.dir, 'appendonlydir'))).isDirectory(), 'AOF files written in the data folder')
})

t.test('the start script refuses to start without a long enough password', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const result = spawnSync('sh', ['deploy/redis/start-redis.sh'], { env: { PATH: process.env.PATH, REDIS_PASSWORD: 'short' }, encoding: 'utf8' })
  t.equal(result.status, 1, 'exits 1')
  t.match(result.stderr, /at least 32 random characters/, 'says what is missing')
})

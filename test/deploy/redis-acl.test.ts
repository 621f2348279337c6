// The rotor ACL user of deploy/redis/users.acl can run every command the store sends, itself or
// from its scripts, on `auth:*` keys, and nothing dangerous: no FLUSHALL, CONFIG, KEYS, other key
// prefixes, no pub/sub. The default user is off, so no password means no access.
import t from 'tap'
import { connect as connectSocket } from 'node:net'
import { Redis } from 'ioredis'
import { startProductionRedis } from '../helpers/redis-production.js'

// Every command src/store/lua/*.lua runs (redis.call inside EVAL is checked against the caller).
const SCRIPT = `
redis.call('TIME')
redis.call('HSET', KEYS[1], 'u', 'user', 'g', 1)
redis.call('HGET', KEYS[1], 'u')
redis.call('HMGET', KEYS[1], 'u', 'g')
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('PEXPIRETIME', KEYS[1])
redis.call('HSET', KEYS[2], 's:s1', '')
redis.call('HKEYS', KEYS[2])
redis.call('HLEN', KEYS[2])
redis.call('HDEL', KEYS[2], 's:s1')
redis.call('SET', KEYS[2], 'record', 'PXAT', ARGV[1])
redis.call('PERSIST', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 1000)
redis.call('INCR', KEYS[3])
redis.call('DECR', KEYS[3])
redis.call('EXISTS', KEYS[3])
redis.call('GET', KEYS[3])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
local added = redis.call('XADD', KEYS[4], '*', 'sid', 's1', 'until', 1)
redis.pcall('XADD', KEYS[4], '1-*', 'sid', 's2', 'until', 1)
redis.call('XRANGE', KEYS[4], '-', '+', 'COUNT', 10)
redis.call('XINFO', 'STREAM', KEYS[4])
redis.call('XDEL', KEYS[4], added)
redis.call('XTRIM', KEYS[4], 'MINID', 0)
redis.call('PEXPIRE', KEYS[4], 60000)
return 1
`

/** Sends inline commands on a fresh socket, without any client handshake, and returns the raw replies. */
async function rawReplies (port: number, commands: string[]): Promise<string> {
  return await new Promise((resolve, reject) => {
    let replies = ''
    const socket = connectSocket(port, '127.0.0.1', () => { socket.write(commands.map((command) => `${command}\r\n`).join('')) })
    socket.on('data', (chunk) => {
      replies += chunk.toString()
      if (replies.split('\r\n').length > commands.length) { socket.destroy(); resolve(replies) }
    })
    socket.on('error', reject)
  })
}

t.test('the rotor user runs what the store needs and nothing dangerous', async (t) => {
  const redis = await startProductionRedis()
  t.teardown(redis.stop)
  const connect = async (password = redis.password, username = 'rotor'): Promise<Redis> => {
    const client = new Redis({ port: redis.port, host: '127.0.0.1', username, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => { /* surfaced by the awaited call */ })
    t.teardown(() => { client.disconnect() })
    await client.connect()
    return client
  }
  const rotor = await connect()
  const future = String(Date.now() + 60_000)

  t.equal(await rotor.ping(), 'PONG', 'PING')
  t.match(await rotor.info('server'), /redis_version/, 'INFO (ioredis ready check)')
  t.equal(await rotor.set('auth:name:abc', 'user1', 'PX', 30_000, 'NX'), 'OK', 'SET NX PX (username claim)')
  t.equal(await rotor.get('auth:name:abc'), 'user1', 'GET')
  t.equal(await rotor.persist('auth:name:abc'), 1, 'PERSIST')
  t.equal(await rotor.incr('auth:ctr:ip'), 1, 'INCR')
  t.equal(await rotor.pexpire('auth:ctr:ip', 60_000), 1, 'PEXPIRE')
  t.equal(await rotor.del('auth:ctr:ip'), 1, 'DEL')
  const sha = String(await rotor.script('LOAD', SCRIPT))
  t.equal(await rotor.evalsha(sha, 4, 'auth:{u1}:s:s1', 'auth:{u1}:sessions', 'auth:{u1}:ctr', 'auth:{u1}:outbox', future), 1, 'SCRIPT LOAD + EVALSHA, and every command the scripts run')
  t.equal(await rotor.eval(SCRIPT, 4, 'auth:{u2}:s:s1', 'auth:{u2}:sessions', 'auth:{u2}:ctr', 'auth:{u2}:outbox', future), 1, 'EVAL (NOSCRIPT fallback)')
  t.same(await rotor.script('EXISTS', sha), [1], 'SCRIPT EXISTS')

  // The revocation feed and outboxes, outside scripts (src/store/redis/revocation-*.ts).
  const entry = await rotor.xadd('auth:{u4}:outbox', '*', 'sid', 's1')
  t.equal((await rotor.xrange('auth:{u4}:outbox', '-', '+')).length, 1, 'XRANGE')
  t.equal(await rotor.exists('auth:{u4}:outbox'), 1, 'EXISTS')
  t.equal(await rotor.xtrim('auth:{u4}:outbox', 'MINID', `${String(entry).split('-')[0]}-9`), 1, 'XTRIM')
  t.same(await rotor.xread('COUNT', 1, 'BLOCK', 10, 'STREAMS', 'auth:{rv}:feed', '0-0'), null, 'XREAD (a blocking read)')
  t.equal(await rotor.set('auth:{rv}:sweep', 'lease', 'PX', 1000, 'NX'), 'OK', 'SET NX PX (the sweep lease)')

  const refused = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    // ACL refusals say NOPERM, or inside a script "can't run this command"; DEBUG is off entirely.
    await t.rejects(run(), /NOPERM|can't run this command|DEBUG command not allowed/, `${what} refused`)
  }
  await refused('FLUSHALL', async () => await rotor.flushall())
  await refused('FLUSHDB', async () => await rotor.flushdb())
  await refused('CONFIG GET', async () => await rotor.config('GET', 'maxmemory'))
  await refused('CONFIG SET', async () => await rotor.config('SET', 'appendonly', 'no'))
  await refused('KEYS', async () => await rotor.keys('auth:*'))
  await refused('SCAN', async () => await rotor.scan(0))
  await refused('SHUTDOWN', async () => await rotor.call('SHUTDOWN', 'NOSAVE'))
  await refused('DEBUG', async () => await rotor.call('DEBUG', 'SLEEP', '0'))
  await refused('SCRIPT FLUSH', async () => await rotor.script('FLUSH'))
  await refused('ACL LIST', async () => await rotor.call('ACL', 'LIST'))
  await refused('MODULE LIST', async () => await rotor.call('MODULE', 'LIST'))
  await refused('MIGRATE', async () => await rotor.call('MIGRATE', '127.0.0.1', '1', 'auth:x', '0', '10'))
  await refused('a key outside the prefix', async () => await rotor.get('other:key'))
  await refused('PUBLISH', async () => await rotor.publish('auth:session-ended', 'x'))
  await refused('SUBSCRIBE', async () => await (await connect()).subscribe('auth:session-ended'))
  await refused('PTTL (the store has no use for it)', async () => await rotor.pttl('auth:name:abc'))
  await refused('a script touching a key outside the prefix', async () => await rotor.eval("return redis.call('GET', KEYS[1])", 1, 'other:key'))
  await refused('a script calling FLUSHALL', async () => await rotor.eval("return redis.call('FLUSHALL')", 0))

  t.match(await rawReplies(redis.port, ['AUTH rotor wrong-password', 'PING']), /^-WRONGPASS.*\r\n-NOAUTH/, 'a wrong password is refused')
  t.match(await rawReplies(redis.port, ['PING', 'GET auth:name:abc']), /^-NOAUTH.*\r\n-NOAUTH/, 'the default user is off: nothing without the password')
  t.match(await rawReplies(redis.port, ['AUTH default ""', 'PING']), /^-WRONGPASS/, 'the default user cannot log in')
  t.match(await rawReplies(redis.port, [`AUTH rotor ${redis.password}`, 'PING']), /^\+OK\r\n\+PONG/, 'the rotor password works on a bare connection')
})

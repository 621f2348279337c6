// Above info Fastify is given no logger of its own (src/logger.ts, fastifyLogging): the app's own
// lines and the request lines must still reach the log stream, at the configured level.
import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { captureLog as capture } from './helpers/log-capture.js'

t.test('at warn, start-up warnings written through fastify.log reach the stream', async (t) => {
  const log = capture()
  await buildTestApp(t, { LOG_LEVEL: 'warn' }, { logStream: log.stream })
  const warnings = log.lines().filter((line) => line.level === 40).map((line) => String(line.msg))
  t.ok(warnings.some((msg) => msg.startsWith('no JWT_KEYS_DIR')), 'the ephemeral-key warning')
  t.notOk(log.lines().some((line) => (line.level as number) < 40), 'nothing below warn')
})

t.test('at error, fastify.log and request loggers write errors and drop warnings', async (t) => {
  const log = capture()
  const app = await buildTestApp(t, { LOG_LEVEL: 'error' }, { logStream: log.stream })
  app.log.warn('dropped')
  app.log.error({ event: 'kept' }, 'kept')
  t.same(log.lines().map((line) => [line.level, line.msg]), [[50, 'kept']])
  t.equal((await app.inject({ url: '/health' })).statusCode, 200)
  t.same(log.lines().length, 1, 'a request that went well writes nothing')
})

t.test('at silent, nothing is written', async (t) => {
  const log = capture()
  const app = await buildTestApp(t, { LOG_LEVEL: 'silent' }, { logStream: log.stream })
  app.log.error('not written')
  await app.inject({ url: '/health' })
  t.same(log.lines(), [])
})

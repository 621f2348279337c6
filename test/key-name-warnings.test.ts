// The server warns about its key files' names at start and after each reload (SIGHUP): one warn
// line per problem (src/domain/key-names.ts), naming the files. Sound names, as `npm run keys`
// makes them, draw none.
import { rm } from 'node:fs/promises'
import t from 'tap'
import { buildTestApp } from './helpers/app.js'
import { tempKeyDir } from './helpers/access-tokens.js'
import { captureLog } from './helpers/log-capture.js'
import { generateKeyFile } from '../src/domain/keys.js'

const WARN = 40

// The key-name lines among the warnings (the embedded store warns at start too).
function keyNameLines (log: ReturnType<typeof captureLog>): string[] {
  return log.lines().filter((line) => line.level === WARN && String(line.msg).startsWith('JWT_KEYS_DIR: ')).map((line) => String(line.msg))
}

t.test('sound names: no warning at start or after a reload that adds a newer key', async (t) => {
  const { dir } = await tempKeyDir(t, 'EdDSA', ['20261206T120000Z'])
  const log = captureLog()
  const app = await buildTestApp(t, { JWT_KEYS_DIR: dir, LOG_LEVEL: 'info' }, { logStream: log.stream })
  await generateKeyFile('EdDSA', dir, '20261206T130000Z')
  t.equal(await app.reloadKeys(), true)
  t.equal(app.keyRing.signingKid, '20261206T130000Z')
  t.same(keyNameLines(log), [])
})

t.test('names that look alike warn at start; a key that cannot sign warns after the reload that adds it', async (t) => {
  const { dir } = await tempKeyDir(t, 'EdDSA', ['key-a', 'key_a'])
  const log = captureLog()
  const app = await buildTestApp(t, { JWT_KEYS_DIR: dir, LOG_LEVEL: 'warn' }, { logStream: log.stream })
  const atStart = keyNameLines(log)
  t.same(atStart, ['JWT_KEYS_DIR: "key-a.pem" and "key_a.pem" look alike (their names differ only by case, separators or lookalike characters): one is probably a mistake for the other; name keys only by the UTC second, YYYYMMDDTHHMMSSZ, as `npm run keys` does, and keep one: delete the other once it has not signed for SESSION_MAX_TTL'])

  // A date-named key added beside them sorts before both: "key_a" keeps signing.
  await generateKeyFile('EdDSA', dir, '20261206T120000Z')
  t.equal(await app.reloadKeys(), true)
  t.equal(app.keyRing.signingKid, 'key_a')
  const afterReload = keyNameLines(log).slice(atStart.length)
  t.equal(afterReload.length, 2, afterReload.join('\n'))
  t.match(afterReload[0], /^JWT_KEYS_DIR: "key_a\.pem" signs, as its name sorts last in byte order, although "20261206T120000Z\.pem" is dated later/)
  t.match(afterReload[1], /^JWT_KEYS_DIR: "key-a\.pem" and "key_a\.pem" look alike/)

  // The mistake put right: the warnings go with it.
  await rm(`${dir}/key-a.pem`)
  await rm(`${dir}/key_a.pem`)
  t.equal(await app.reloadKeys(), true)
  t.equal(keyNameLines(log).length, atStart.length + afterReload.length, 'no warning after the reload that fixed it')
})

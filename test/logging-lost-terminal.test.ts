// src/logger.ts, terminalDestination: once a write to the terminal fails with EIO (it hung up) or
// EPIPE, later lines are dropped and nothing throws, the flush at exit included (sonic-boom would
// retry it for ever); any other write error is thrown as before. The real hang-up, of a real
// terminal, is test/faults/terminal-hangup.test.ts.
import t from 'tap'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { terminalDestination } from '../src/logger.js'

function logFile (t: { teardown: (fn: () => void) => void }): { fd: number, text: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-log-'))
  const path = join(dir, 'log')
  const fd = openSync(path, 'w')
  t.teardown(() => { closeSync(fd); rmSync(dir, { recursive: true, force: true }) })
  return { fd, text: () => readFileSync(path, 'utf8') }
}

function writeError (code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code })
}

for (const code of ['EIO', 'EPIPE']) {
  t.test(`after ${code}, lines are dropped and nothing throws`, async (t) => {
    const log = logFile(t)
    const destination = terminalDestination(log.fd)
    destination.write('before\n')
    t.doesNotThrow(() => destination.emit('error', writeError(code)))
    t.doesNotThrow(() => destination.write('after\n'))
    t.doesNotThrow(() => { destination.flushSync() })
    t.equal(log.text(), 'before\n')
  })
}

t.test('any other write error is thrown', async (t) => {
  const log = logFile(t)
  const destination = terminalDestination(log.fd)
  t.throws(() => destination.emit('error', writeError('ENOSPC')), { code: 'ENOSPC' })
})

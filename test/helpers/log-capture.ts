// A log stream for buildTestApp's `logStream` that the test reads back as parsed pino lines.
import { Writable } from 'node:stream'

export function captureLog (): { stream: Writable, lines: () => Array<Record<string, unknown>> } {
  let text = ''
  const stream = new Writable({ write (chunk, _encoding, done) { text += String(chunk); done() } })
  return { stream, lines: () => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>) }
}

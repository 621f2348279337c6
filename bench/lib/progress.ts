// The one progress line on stderr: rewritten in place on a terminal, one line per step otherwise
// (so a log file of a run stays readable).
const startedAt = Date.now()
let current = ''

function elapsed (): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(0)} s`
}

/** A new step: what is being measured now. */
export function step (text: string): void {
  current = text
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K[${elapsed()}] ${text}`)
  else process.stderr.write(`[${elapsed()}] ${text}\n`)
}

/** Live detail of the current step (terminal only). */
export function detail (text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K[${elapsed()}] ${current} · ${text}`)
}

export function done (): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
  process.stderr.write(`finished in ${elapsed()}\n`)
}

export function secondsSinceStart (): number {
  return (Date.now() - startedAt) / 1000
}

// Tells the SIGHUP of a terminal that closed from an operator's `kill -HUP` (which reloads the keys).
// When a terminal hangs up, Linux turns every open file of it into a hung-up one before it sends
// SIGHUP: its terminal ioctls fail with EIO, so isatty(3) answers no for a standard stream that
// answered yes at start. A stream that was never a terminal (a pipe, a file, /dev/null) says nothing
// either way: a server under a service manager, nohup or setsid has no terminal to lose.
import { closeSync, openSync } from 'node:fs'
import { isatty } from 'node:tty'

const STANDARD_STREAMS = [0, 1, 2]

export interface TerminalWatch {
  /** True once a standard stream that was a terminal at start is one no longer: it hung up. */
  hungUp: () => boolean
  /** Points each standard stream whose terminal hung up at /dev/null (see below). */
  detachHungUp: () => void
}

/**
 * Notes which of stdin, stdout and stderr are terminals now, to compare with later, and detaches
 * the hung-up ones as the process exits. Node 20 restores a terminal's settings at exit and aborts
 * when that fails, which it does (EIO) on a hung-up one (nodejs/node#51519, fixed by
 * nodejs/node#58200 in later lines); the abort, that late in exit, faults at address 0xa0 again and
 * again: the process never ends and spins a core. Node skips a stream that is no longer the file it
 * was at start, so a hung-up one is replaced with /dev/null first.
 */
export function watchTerminal (): TerminalWatch {
  const terminals = STANDARD_STREAMS.filter((fd) => isatty(fd))
  const hungUp = (): boolean => terminals.some((fd) => !isatty(fd))
  const detachHungUp = (): void => {
    for (const fd of terminals) {
      if (isatty(fd)) continue
      closeSync(fd)
      // The lowest free descriptor is the one just closed; should another thread take it first, the
      // stream stays closed, which Node skips as well.
      const opened = openSync('/dev/null', 'r+')
      if (opened !== fd) closeSync(opened)
    }
  }
  process.once('exit', detachHungUp)
  // console.error and Node's own warnings write through process.stdout and process.stderr, which
  // report a write to a hung-up terminal (EIO) as an 'error' event: unheard, it ends the process.
  if (terminals.includes(1)) process.stdout.on('error', ignoreHangUp)
  if (terminals.includes(2)) process.stderr.on('error', ignoreHangUp)
  return { hungUp, detachHungUp }
}

function ignoreHangUp (error: NodeJS.ErrnoException): void {
  if (error.code !== 'EIO') throw error
}

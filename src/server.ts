// Entry point: parse the configuration, build the app, listen, and shut down gracefully. SIGTERM or
// SIGINT stop accepting connections, let in-flight requests finish, then close the store; SIGHUP
// reloads the access-token keys, unless it comes from the server's terminal closing, which stops the
// server as SIGTERM does.
// First, before the other modules load: holds the shape of Node's tick objects (see the file).
import './runtime/tick-shape.js'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { logFormat, prettyLogStream, terminalDestination } from './logger.js'
import { watchTerminal } from './terminal.js'
import { MetricsListenError } from '../plugins/metrics.js'

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000

// A bad configuration is one line on stderr per problem, never a stack trace: the ones found while building
// the app (an unreadable JWT_KEYS_DIR, an HS256 secret under 32 bytes) as much as loadConfig's.
function exitOnConfigError (error: unknown): never {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`rotor: ${problem}`)
    process.exit(78) // EX_CONFIG
  }
  throw error
}

function configOrExit (): Config {
  try {
    return loadConfig()
  } catch (error) {
    exitOnConfigError(error)
  }
}

export async function startServer (config: Config): Promise<void> {
  // SIGHUP re-reads JWT_KEYS_DIR (add the next key, or remove a retired one) without a restart or a
  // dropped request. Its default action ends the process, so it is caught before the app is built; one
  // that arrives while building is answered once the app exists (its keys may predate the new file).
  // A terminal that closes sends SIGHUP too (`npm start`, then the window is closed): the server
  // it started must not stay behind holding its port, so that one shuts down as on SIGTERM.
  const terminal = watchTerminal()
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  let reloadPending = false
  // Until the server listens there is nothing to drain.
  let stopOnHangup = (): void => { process.exit(0) }
  process.on('SIGHUP', () => {
    if (terminal.hungUp()) {
      stopOnHangup()
    } else if (app === undefined) {
      reloadPending = true
    } else {
      void app.reloadKeys()
    }
  })
  const pretty = logFormat({ isTTY: process.stdout.isTTY, production: config.production }) === 'pretty'
  // A pipe or a file keeps pino's own destination; a terminal gets one that survives its hang-up.
  const terminalLog = process.stdout.isTTY ? terminalDestination() : undefined
  try {
    app = await buildApp(config, { logStream: pretty ? await prettyLogStream(terminalLog) : terminalLog })
  } catch (error) {
    exitOnConfigError(error)
  }
  const built = app
  if (reloadPending) void built.reloadKeys()
  // close-with-grace would treat every SIGHUP as a shutdown signal: the handler above decides.
  let shuttingDown = false
  const grace = closeWithGrace({ delay: SHUTDOWN_GRACE_MS, skip: ['SIGHUP'] }, async ({ signal, err, manual }) => {
    shuttingDown = true
    if (err !== undefined) built.log.error({ err }, 'shutting down after an uncaught error')
    else if (manual === true) built.log.info({ signal: 'SIGHUP' }, 'shutting down: the terminal hung up; draining requests')
    else built.log.info({ signal }, 'shutting down: draining requests')
    await built.close()
  })
  stopOnHangup = () => { if (!shuttingDown) grace.close() }
  try {
    await built.listen({ port: config.port, host: config.host })
  } catch (error) {
    // The metrics listener starts as the app gets ready, just before the public one.
    if (error instanceof MetricsListenError) built.log.error(error.message)
    else built.log.error({ err: error }, `could not listen on ${config.host}:${config.port}: is another process using it? set PORT to choose another`)
    process.exit(1)
  }
}

await startServer(configOrExit())

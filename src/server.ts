// Entry point: parse the configuration, build the app, listen, and shut down gracefully. SIGTERM or
// SIGINT stop accepting connections, let in-flight requests finish, then close the store.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'

/** How long in-flight requests get to finish after SIGTERM before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 10_000

// A bad configuration is one line on stderr, never a stack trace: the ones found while building
// the app (an unreadable JWT_KEYS_DIR, an HS256 secret under 32 bytes) as much as loadConfig's.
function exitOnConfigError (error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(`rotor: ${error.message}`)
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
  let app
  try {
    app = await buildApp(config)
  } catch (error) {
    exitOnConfigError(error)
  }
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an uncaught error')
    else app.log.info({ signal }, 'shutting down: draining requests')
    await app.close()
  })
  // SIGHUP re-reads JWT_KEYS_DIR: add the next key, or remove a retired one, without a restart.
  process.on('SIGHUP', () => {
    app.keyRing.reload().then(
      () => { app.log.info({ event: 'keys-reloaded', signingKid: app.keyRing.signingKid }, 'keys reloaded') },
      (error: unknown) => { app.log.error({ err: error }, 'keys not reloaded: the current keys stay in use') }
    )
  })
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    app.log.error({ err: error }, `could not listen on ${config.host}:${config.port}: is another process using it? set PORT to choose another`)
    process.exit(1)
  }
}

await startServer(configOrExit())

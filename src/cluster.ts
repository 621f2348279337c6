// `npm run start:cluster`: one primary process forks WORKERS copies of the server (0 = one per CPU)
// sharing one port through Node's cluster module. All state lives in the store, so workers behave as
// one server: a token rotated by one is spent for all. SIGTERM/SIGINT reach every worker, which drains
// its in-flight requests (src/server.ts) before exiting; a worker that dies otherwise is replaced.
// SIGHUP reaches every worker too, each of which reloads its keys; the primary itself holds none.
// The SIGHUP of the terminal it runs in closing stops the cluster as SIGTERM does.
// With METRICS_PORT the primary serves the sum of its workers' metrics (src/metrics/cluster-metrics.ts).
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'
import type { AddressInfo } from 'node:net'
import { ConfigError, loadConfig, type Config } from './config.js'
import { serveClusterMetrics } from './metrics/cluster-metrics.js'
import { watchTerminal } from './terminal.js'

const RESTART_DELAY_MS = 1000

function clusterConfig (): Config {
  try {
    const config = loadConfig()
    // Workers share nothing but the store and the key folder: without them each would have its own.
    if ((config.redisUrl === undefined && config.redisClusterNodes === undefined) || config.jwtKeysDir === undefined) {
      throw new ConfigError('start:cluster needs REDIS_URL (or REDIS_CLUSTER_NODES) and JWT_KEYS_DIR: workers must share one store and one set of keys; use npm start for one process')
    }
    return config
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`rotor: ${problem}`)
      process.exit(78)
    }
    throw error
  }
}

if (cluster.isPrimary) {
  const config = clusterConfig()
  const count = config.workers === 0 ? availableParallelism() : config.workers
  // Before any worker exists, so a port in use stops the cluster before it starts.
  if (config.metricsPort !== undefined) {
    const { metricsHost: host, metricsPort: port } = config
    try {
      const server = await serveClusterMetrics(host, port)
      console.error(`rotor: the primary serves its workers' metrics on http://${host}:${(server.address() as AddressInfo).port}/metrics`)
    } catch (error) {
      console.error(`rotor: could not listen for metrics on ${host}:${port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): set METRICS_PORT to a free port, or unset it for no metrics`)
      process.exit(1)
    }
  }
  let stopping = false
  cluster.setupPrimary({ exec: new URL('./server.js', import.meta.url).pathname })
  for (let i = 0; i < count; i++) cluster.fork()
  console.error(`rotor: primary ${process.pid} started ${count} workers`)

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    console.error(`rotor: worker ${worker.process.pid ?? '?'} exited (${signal ?? code}); starting another`)
    setTimeout(() => cluster.fork(), RESTART_DELAY_MS).unref()
  })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      console.error(`rotor: ${signal}: draining ${Object.keys(cluster.workers ?? {}).length} workers`)
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    })
  }
  // Without a handler SIGHUP would end the primary, and with it every worker. The SIGHUP of the
  // terminal closing stops the cluster instead: the workers share the terminal, so the SIGHUP passed
  // on to them stops each as SIGTERM would (src/server.ts), and the primary starts no other. SIGTERM
  // is not sent: a worker the shell also signalled would take it as a second signal and not drain.
  const terminal = watchTerminal()
  process.on('SIGHUP', () => {
    const workers = Object.values(cluster.workers ?? {})
    if (terminal.hungUp()) {
      if (stopping) return
      stopping = true
      console.error(`rotor: SIGHUP: the terminal hung up; draining ${workers.length} workers`)
      if (workers.length === 0) process.exit(0)
    } else {
      console.error(`rotor: SIGHUP: ${workers.length} workers reload their keys`)
    }
    for (const worker of workers) worker?.process.kill('SIGHUP')
  })
}

// Prometheus metrics (docs/http-api.md, METRICS_HOST/METRICS_PORT; docs/metrics.md). Decorates
// `fastify.metrics` (src/metrics/rotor-metrics.ts), which the store, audit and rate-limit plugins
// count into. With METRICS_PORT set, GET /metrics is served with the process defaults on a listener
// of its own, never on the public port, so it is reachable only where the operator binds it. Under
// `npm run start:cluster` a worker serves nothing itself: the primary asks every worker and serves
// the sum (src/metrics/cluster-metrics.ts).
import cluster from 'node:cluster'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import fp from 'fastify-plugin'
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client'
import type { Config } from '../src/config.js'
import { createRotorMetrics, type RotorMetrics } from '../src/metrics/rotor-metrics.js'
import { metricsRequestHandler } from '../src/metrics/metrics-endpoint.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: RotorMetrics & {
      /** Where GET /metrics is served, once the app is ready; null without METRICS_PORT (or in a cluster worker). */
      address (): AddressInfo | null
    }
  }
}

/** The metrics listener could not start: its message is the one line start-up prints. */
export class MetricsListenError extends Error {
  override name = 'MetricsListenError'
}

export default fp<{ config: Config }>(async function metricsPlugin (fastify, { config }) {
  const registry = new Registry()
  const metrics = createRotorMetrics(registry)
  let server: Server | undefined

  if (config.metricsPort !== undefined) {
    // The process defaults cost a timer and a GC observer: only when someone can read them.
    collectDefaultMetrics({ register: registry })
    if (cluster.isWorker) {
      // The primary's AggregatorRegistry asks each worker over IPC; constructing one here answers it.
      AggregatorRegistry.setRegistries([registry])
      // Constructing one installs the worker's answer to the primary's requests.
      new AggregatorRegistry()
    } else {
      server = createServer(metricsRequestHandler(async () => await registry.metrics(), registry.contentType))
    }
  }

  // Each route's 429 series exists from the start, at 0, like every other series.
  fastify.addHook('onRoute', (route) => { metrics.rateLimited(route.url) })

  fastify.decorate('metrics', {
    ...metrics,
    address: () => (server?.address() as AddressInfo | null | undefined) ?? null
  })

  if (server !== undefined) {
    const listener = server
    const { metricsHost: host, metricsPort: port } = config
    fastify.addHook('onReady', async () => {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', (error: NodeJS.ErrnoException) => {
          reject(new MetricsListenError(`could not listen for metrics on ${host}:${port ?? 0} (${error.code ?? error.message}): set METRICS_PORT to a free port, or unset it for no metrics`))
        })
        listener.listen({ host, port }, resolve)
      })
      const { address, port: bound } = listener.address() as AddressInfo
      fastify.log.info({ metrics: `http://${address.includes(':') ? `[${address}]` : address}:${bound}/metrics` }, 'serving metrics')
    })
    fastify.addHook('onClose', async () => {
      if (!listener.listening) return
      await new Promise<void>((resolve) => { listener.close(() => { resolve() }); listener.closeAllConnections() })
    })
  }
}, { name: 'metrics' })

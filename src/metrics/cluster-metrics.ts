// The metrics listener of `npm run start:cluster`'s primary: workers serve no metrics port of their
// own (they would share it through the primary, and each scrape would reach one worker at random);
// the primary asks every worker over IPC and serves the sum (prom-client's AggregatorRegistry;
// plugins/metrics.ts answers in each worker).
import { createServer, type Server } from 'node:http'
import { AggregatorRegistry } from 'prom-client'
import { metricsRequestHandler } from './metrics-endpoint.js'

/** Listens on `host:port`; rejects with the listen error (EADDRINUSE, …). */
export async function serveClusterMetrics (host: string, port: number): Promise<Server> {
  const aggregator = new AggregatorRegistry()
  const server = createServer(metricsRequestHandler(async () => await aggregator.clusterMetrics(), aggregator.contentType))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port }, resolve)
  })
  return server
}

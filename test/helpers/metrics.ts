// Reads an app's GET /metrics from its metrics listener (METRICS_PORT=0 in tests: any free port),
// parsed by the strict text-format parser.
import type { FastifyInstance } from 'fastify'
import { parsePrometheusText, sampleValue, type MetricFamily } from './prometheus-text.js'

export interface Scrape {
  families: Map<string, MetricFamily>
  /** The value of one series (exact labels); throws when it is absent. */
  value (name: string, labels?: Record<string, string>): number
}

export function metricsUrl (app: FastifyInstance): string {
  const address = app.metrics.address()
  if (address === null) throw new Error('the app serves no metrics: set METRICS_PORT')
  return `http://127.0.0.1:${address.port}/metrics`
}

export async function scrape (app: FastifyInstance): Promise<Scrape> {
  const response = await fetch(metricsUrl(app))
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`)
  const families = parsePrometheusText(await response.text())
  return { families, value: (name, labels = {}) => sampleValue(families, name, labels) }
}

/** How much each series moved between two scrapes, for the series named (exact labels). */
export function moved (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number {
  return after.value(name, labels) - before.value(name, labels)
}

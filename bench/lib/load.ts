// One autocannon run against one target. Latencies are recorded here in microseconds from
// autocannon's per-response hrtime (its own histogram keeps whole milliseconds, too coarse for
// sub-millisecond answers), and only for 2xx answers; req/s counts 2xx answers only.
import { createHistogram } from 'node:perf_hooks'
import autocannon from 'autocannon'

export interface LoadOptions {
  url: string
  connections: number
  /** Seconds. */
  duration: number
  /** Stop after this many answers instead (duration is then ignored). */
  amount?: number
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string
  /** Gives each connection its own request sequence (per-connection state, token cycling). */
  setupClient?: (client: autocannon.Client, index: number) => void
  /** Called about once a second with the 2xx answers so far. */
  onTick?: (completed: number) => void
  /** Ends the load early (the result then covers the time it ran). */
  signal?: AbortSignal
}

export interface LoadResult {
  /** 2xx answers per second. */
  rps: number
  /** Milliseconds. */
  p50: number
  p99: number
  ok: number
  /** Non-2xx answers, connection errors and timeouts. */
  failed: number
  statusCodes: Record<string, number>
  seconds: number
}

export async function runLoad (options: LoadOptions): Promise<LoadResult> {
  const histogram = createHistogram()
  let ok = 0
  let clients = 0
  const instance = autocannon({
    url: options.url + options.path,
    connections: options.connections,
    duration: options.duration,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    body: options.body,
    amount: options.amount,
    // autocannon stops at the first sample tick after `duration`: tick often, so rounds last
    // what they say (a 2.5 s round would otherwise run 3 s).
    sampleInt: 100,
    timeout: 10,
    setupClient: options.setupClient === undefined ? undefined : (client) => { options.setupClient?.(client, clients++) }
  })
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status < 300) {
      ok++
      histogram.record(Math.max(1, Math.round(responseTime * 1000)))
    }
  })
  instance.on('tick', () => { options.onTick?.(ok) })
  const stop = (): void => { instance.stop() }
  options.signal?.addEventListener('abort', stop, { once: true })
  const result = await instance
  options.signal?.removeEventListener('abort', stop)
  const statusCodes: Record<string, number> = {}
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count
  const seconds = result.duration > 0 ? result.duration : options.duration
  return {
    rps: ok / seconds,
    p50: ok > 0 ? histogram.percentile(50) / 1000 : NaN,
    p99: ok > 0 ? histogram.percentile(99) / 1000 : NaN,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    statusCodes,
    seconds
  }
}

// The metrics listener's one route: GET /metrics in Prometheus text format. Anything else is 404
// (405 for another method on /metrics), answered without reading the body, with no-store so no
// cache keeps an old scrape.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

function answer (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers })
  response.end(body)
}

/** A request listener serving `render()` (the registry's text) as GET /metrics. */
export function metricsRequestHandler (render: () => Promise<string>, contentType: string): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0]
    if (path !== '/metrics') {
      answer(response, 404, 'Not found: metrics are at GET /metrics\n')
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      answer(response, 405, 'Method not allowed: use GET /metrics\n', { allow: 'GET, HEAD' })
      return
    }
    render().then(
      (text) => { answer(response, 200, request.method === 'HEAD' ? '' : text, { 'content-type': contentType }) },
      (error: unknown) => { answer(response, 500, `metrics could not be collected: ${(error as Error).message}\n`) }
    )
  }
}

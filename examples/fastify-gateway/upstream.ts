// The toy upstream the example gateway protects: it trusts the gateway's x-user-id header and never
// sees a token, as a service behind a real gateway would.
import { createServer, type Server } from 'node:http'

export interface Upstream {
  url: string
  server: Server
}

/** Starts the upstream on a free loopback port. */
export async function startUpstream (): Promise<Upstream> {
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({ message: 'hello from the upstream', path: request.url, userId: request.headers['x-user-id'] ?? null }))
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the upstream has no port')
  return { url: `http://127.0.0.1:${address.port}`, server }
}

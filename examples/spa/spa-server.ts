// The example's web server: the page's files, and everything under Rotor's paths passed on to Rotor,
// so the page and Rotor share one origin. The refresh cookie (Path=/auth, SameSite=Strict) then
// reaches Rotor with no CORS set-up, and the page's own Content-Security-Policy keeps scripts to it.
import { createServer, request, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/** A file the server answers with at its path, such as `/index.html`. */
export interface StaticFile { body: string | Buffer, type: string }

export interface SpaServerOptions {
  /** Where Rotor listens, such as `http://127.0.0.1:3000`. */
  rotorUrl: string
  /** The page's files by URL path; `/` answers with `/index.html`. */
  files: Record<string, StaticFile>
}

/** Paths Rotor answers; the rest are the page's. */
const ROTOR_PATHS = ['/auth/', '/api/', '/.well-known/']

// Hop-by-hop headers (RFC 9110, section 7.6.1) describe one connection, not the message.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'])

function endToEnd (headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)))
}

/** The contract's error shape, for the one error that is the proxy's own. */
function rotorUnreachable (response: ServerResponse): void {
  response.writeHead(502, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  response.end(JSON.stringify({ statusCode: 502, code: 'ROTOR_UNREACHABLE', error: 'Bad Gateway', message: 'Rotor did not answer; try again shortly.' }))
}

export function createSpaServer (options: SpaServerOptions): Server {
  const rotor = new URL(options.rotorUrl)
  const agent = new Agent({ keepAlive: true })

  function passToRotor (incoming: IncomingMessage, response: ServerResponse): void {
    const headers = endToEnd(incoming.headers)
    // Rotor believes this only from proxies listed in its TRUST_PROXY, and shows it in the sessions list.
    headers['x-forwarded-for'] = incoming.socket.remoteAddress
    const outgoing = request({
      host: rotor.hostname,
      port: rotor.port,
      method: incoming.method,
      path: incoming.url,
      headers: { ...headers, host: rotor.host },
      agent
    }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers))
      answer.pipe(response)
    })
    outgoing.on('error', () => {
      if (!response.headersSent) rotorUnreachable(response)
      else response.destroy()
    })
    // A page that gives up on a request (navigates away, times out) need not keep Rotor busy.
    response.on('close', () => { if (!response.writableFinished) outgoing.destroy() })
    incoming.pipe(outgoing)
  }

  function serveFile (path: string, response: ServerResponse): void {
    const file = options.files[path === '/' ? '/index.html' : path]
    if (file === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found')
      return
    }
    response.writeHead(200, {
      'content-type': file.type,
      'cache-control': 'no-cache',
      // An access token in memory is as safe as the page is from injected script.
      'content-security-policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      'x-content-type-options': 'nosniff'
    })
    response.end(file.body)
  }

  const server = createServer((incoming, response) => {
    const path = (incoming.url ?? '/').split('?')[0] ?? '/'
    if (ROTOR_PATHS.some((prefix) => path.startsWith(prefix))) passToRotor(incoming, response)
    else if (incoming.method === 'GET' || incoming.method === 'HEAD') serveFile(path, response)
    else response.writeHead(405, { allow: 'GET, HEAD' }).end()
  })
  server.on('close', () => { agent.destroy() })
  return server
}

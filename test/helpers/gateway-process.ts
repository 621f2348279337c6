// Runs examples/fastify-gateway as a child process, as a user runs it (`npm run
// example:fastify-gateway`), configured by its environment (examples/fastify-gateway/config.ts).
//
// Built like the server of server-process.ts: a per-file transpile of the clients and the example,
// cached under .tap/ by a hash of the sources, rather than `npm run build:gateway`, which writes
// into dist/ that other test files may be reading. The example imports `rotor/fastify-gateway`, which
// Node resolves through the package's own `exports` (a self-reference); the build carries a
// package.json of that name mapping the subpaths into the build, so the example runs against the
// sources under test, never a stale dist/.
import { freePort } from '../../bench/lib/redis-server.js'
import { httpRequest, spawnNode, transpiledTree, type HttpAnswer, type ServerProcess } from './server-process.js'
import { join } from 'node:path'

const GATEWAY_DIRS = ['clients/gateway', 'clients/fastify-gateway', 'examples/fastify-gateway']
const BUILD_PACKAGE = JSON.stringify({
  name: 'rotor',
  private: true,
  type: 'module',
  exports: { './gateway': './clients/gateway/index.js', './fastify-gateway': './clients/fastify-gateway/index.js' }
})

let built: Promise<string> | undefined

/** Path of the example's compiled server.js for the current sources. */
export async function builtGateway (): Promise<string> {
  built ??= transpiledTree(GATEWAY_DIRS, 'gateway-build', { 'package.json': BUILD_PACKAGE })
    .then((outDir) => join(outDir, 'examples', 'fastify-gateway', 'server.js'))
  return await built
}

export interface GatewayProcess extends ServerProcess {
  url: string
  /** The JSON lines the gateway logged with this `event` field, parsed. */
  events (event: string): Array<Record<string, unknown>>
  /** GET `path` on the gateway with `token` as its bearer token. */
  get (path: string, token?: string): Promise<HttpAnswer>
}

export interface GatewayEnv {
  ROTOR_URL: string
  ROTOR_FEED_TOKEN: string
  [name: string]: string
}

/**
 * Starts the example gateway in front of Rotor at `env.ROTOR_URL`, at debug level (one
 * `revocation-received` line per revocation, which the tests count), and waits until it listens;
 * killed at teardown.
 */
export async function startGateway (t: { teardown (fn: () => unknown): void }, env: GatewayEnv): Promise<GatewayProcess> {
  const port = await freePort()
  const server = spawnNode(t, await builtGateway(), { GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(port), LOG_LEVEL: 'debug', ...env })
  // Generous: the example waits up to 5 s for the feed before listening, on a loaded machine.
  await server.waitForLine((line) => line.includes('Server listening at'), 60_000)
  const url = `http://127.0.0.1:${port}`
  return {
    ...server,
    url,
    events: (event) => server.lines.filter((line) => line.includes(`"event":"${event}"`)).map((line) => JSON.parse(line) as Record<string, unknown>),
    get: async (path, token) => await httpRequest(`${url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  }
}

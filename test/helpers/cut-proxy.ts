// A TCP proxy a test can cut and restore: the network between a gateway and Rotor failing while
// both processes run. cut() drops every open connection and resets each new one until restore(),
// as a broken route does (a client sees ECONNRESET, retries, and fails again).
import { connect, createServer, type Socket } from 'node:net'

export interface CutProxy {
  /** `http://127.0.0.1:<port>`: the proxy's address, to give the client instead of the target's. */
  url: string
  /** Connections accepted and forwarded so far (refused ones during a cut not counted). */
  connections (): number
  cut (): void
  restore (): void
  close (): Promise<void>
}

/** A proxy to `127.0.0.1:targetPort`; closed at teardown. */
export async function startCutProxy (t: { teardown (fn: () => unknown): void }, targetPort: number): Promise<CutProxy> {
  const sockets = new Set<Socket>()
  let isCut = false
  let forwarded = 0
  const server = createServer((client) => {
    if (isCut) {
      client.resetAndDestroy()
      return
    }
    forwarded++
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    client.pipe(upstream).pipe(client)
    const close = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('close', close).on('error', close)
    upstream.on('close', close).on('error', close)
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port')
  let closed: Promise<void> | undefined
  const proxy: CutProxy = {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => forwarded,
    cut () {
      isCut = true
      for (const socket of sockets) socket.resetAndDestroy()
      sockets.clear()
    },
    restore () { isCut = false },
    async close () {
      closed ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => { resolve() })
      })
      await closed
    }
  }
  t.teardown(async () => { await proxy.close() })
  return proxy
}

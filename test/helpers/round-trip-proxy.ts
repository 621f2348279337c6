// A TCP proxy in front of a redis-server that counts round trips: how many times a client sends
// after Redis last answered it (or for the first time). Commands sent together, in one write or in
// several before any answer, are one round trip; a command that waits for an answer is another.
// MONITOR counts commands; this counts the waits a request makes, which is what costs latency.
import { connect, createServer, type Socket } from 'node:net'

export interface RoundTripProxy {
  url: string
  /** Round trips over every connection since the last reset. */
  count (): number
  reset (): void
  close (): Promise<void>
}

export async function startRoundTripProxy (redisPort: number): Promise<RoundTripProxy> {
  let roundTrips = 0
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(redisPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    let answered = true
    client.on('data', (chunk) => {
      if (answered) roundTrips++
      answered = false
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      answered = true
      client.write(chunk)
    })
    const close = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('close', close).on('error', close)
    upstream.on('close', close).on('error', close)
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    url: `redis://127.0.0.1:${address.port}`,
    count: () => roundTrips,
    reset: () => { roundTrips = 0 },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

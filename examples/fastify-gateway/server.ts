// A gateway in front of a toy upstream: every /api/* request needs a Rotor access token of a live
// session, and reaches the upstream with the user's id in x-user-id. Start Rotor first (README.md).
import Fastify from 'fastify'
import rotorGateway from 'rotor/fastify-gateway'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadGatewayConfig } from './config.js'
import { startUpstream } from './upstream.js'

/** How long start-up waits for the feed to catch up before listening anyway. */
const FEED_WAIT_MS = 5_000

const config = loadGatewayConfig()
const upstream = await startUpstream()
const app = Fastify({ logger: { level: config.logLevel } })

await app.register(rotorGateway, {
  url: config.rotorUrl,
  feedToken: config.feedToken,
  issuer: config.issuer,
  audience: config.audience,
  algorithms: [config.algorithm],
  onStale: config.onStale,
  feed: { staleAfterMs: config.staleAfterMs, silenceTimeoutMs: config.silenceTimeoutMs, reconnectMaxMs: config.reconnectMaxMs },
  jwks: { cooldownMs: config.jwksCooldownMs }
})
app.addHook('onClose', async () => { upstream.server.close() })

app.get('/health', async () => {
  const { feed } = app.rotorGateway
  return { feed: feed.connected ? 'live' : feed.stale ? 'stale' : 'reconnecting', revocations: feed.size, lastEventId: feed.lastEventId ?? null }
})

app.all('/api/*', { onRequest: app.requireAccessToken }, async (request, reply) => {
  const { sub } = request.user as { sub: string }
  const answer = await fetch(new URL(request.url, upstream.url), { method: request.method, headers: { 'x-user-id': sub } })
  reply.code(answer.status).header('content-type', answer.headers.get('content-type') ?? 'application/octet-stream')
  return Buffer.from(await answer.arrayBuffer())
})

// Requests that arrive before the feed has caught up would be checked against an incomplete set.
const caughtUp = await Promise.race([app.rotorGateway.ready.then(() => true), sleep(FEED_WAIT_MS, false)])
if (!caughtUp) app.log.warn(`the revocation feed has not caught up after ${FEED_WAIT_MS} ms; listening anyway (onStale: ${config.onStale})`)
await app.listen({ port: config.port, host: config.host })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}

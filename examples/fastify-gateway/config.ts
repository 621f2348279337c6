// The example gateway's settings, from the environment; the defaults match a Rotor started with
// `npm start` on this machine.
import type { GatewayAlgorithm, StalePolicy } from 'rotor/gateway'

function text (name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback
  if (value === undefined || value === '') throw new Error(`${name} is required (see examples/fastify-gateway/README.md)`)
  return value
}

function milliseconds (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number of milliseconds`)
  return value
}

export function loadGatewayConfig () {
  const onStale = text('ON_STALE', 'accept')
  if (onStale !== 'accept' && onStale !== 'reject') throw new Error('ON_STALE must be accept or reject')
  const algorithm = text('JWT_ALG', 'EdDSA')
  if (!['EdDSA', 'ES256', 'RS256'].includes(algorithm)) throw new Error('JWT_ALG must be EdDSA, ES256 or RS256 (HS256 keys are not published)')
  return {
    port: Number(text('GATEWAY_PORT', '4000')),
    host: text('GATEWAY_HOST', '127.0.0.1'),
    logLevel: text('LOG_LEVEL', 'info'),
    rotorUrl: text('ROTOR_URL', 'http://127.0.0.1:3000'),
    feedToken: text('ROTOR_FEED_TOKEN'),
    issuer: text('JWT_ISSUER', 'http://localhost:3000'),
    audience: text('JWT_AUDIENCE', 'api'),
    algorithm: algorithm as GatewayAlgorithm,
    onStale: onStale as StalePolicy,
    staleAfterMs: milliseconds('STALE_AFTER_MS', 30_000),
    silenceTimeoutMs: milliseconds('FEED_SILENCE_TIMEOUT_MS', 45_000),
    reconnectMaxMs: milliseconds('FEED_RECONNECT_MAX_MS', 30_000),
    jwksCooldownMs: milliseconds('JWKS_COOLDOWN_MS', 30_000)
  }
}

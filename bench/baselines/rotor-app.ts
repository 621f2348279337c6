// The server's own app, built and started from the same environment as dist/src/server.js, for the
// revocation check's rows (issue 15). Told over its IPC channel { check: 'on' | 'off' | 'one' }, it
// installs that check and answers { check }, so one process serves every side of those rows in
// interleaved rounds: the sides then share a V8 steady state (bench/README.md) and differ in the
// check only. 'on' is the check plugins/access-tokens.ts installs (the process's revocation set),
// 'off' answers "not revoked" without looking (createAccessTokens before any check is installed),
// 'one' is the 'on' check reading a set that holds one revocation. The server has no such switch.
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { SessionRevocationCheck } from '../../src/domain/access-tokens.js'

const config = loadConfig()
const app = await buildApp(config)

const inForce = app.revocations.set
const oneEntry = new Map([['bench-one-revocation', Number.MAX_SAFE_INTEGER]])
// The shape of the process's set (a `has` closure over a Map), so 'one' differs from 'on' in size only.
const holdingOne = { has: (sid: string) => oneEntry.has(sid) }
const checks: Record<string, SessionRevocationCheck> = {
  on: (claims) => inForce.has(claims.sid),
  off: () => false,
  one: (claims) => holdingOne.has(claims.sid)
}

process.on('message', (message: { check?: unknown }) => {
  const check = checks[String(message.check)]
  if (check === undefined) return
  app.accessTokens.setSessionRevocationCheck(check)
  process.send?.({ check: message.check })
})
// SIGTERM ends it through exit, so `--cpu-prof` (bench/lib/processes.ts) gets its profile written.
process.once('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
await app.listen({ port: config.port, host: config.host })

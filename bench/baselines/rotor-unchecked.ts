// Baseline "rotor −check" for the "verify-hot revocation check cost" row (issue 15): the server's
// own app, built from the same environment as dist/src/server.js, whose access tokens answer "not
// revoked" without looking: the state createAccessTokens is in before a check is installed. Only the
// Map lookup by sid (plugins/access-tokens.ts) and its call differ from the server, and nothing in
// the server can be switched this way: the bench builds this process itself.
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

const config = loadConfig()
const app = await buildApp(config)
app.accessTokens.setSessionRevocationCheck(() => false)
await app.listen({ port: config.port, host: config.host })

// `npm run example:spa`: starts Rotor (the build in dist/) and the example's server in front of it,
// then prints the address to open. Rotor's own variables (REDIS_URL, ACCESS_TOKEN_TTL, ...) pass
// through; unset REDIS_URL means Rotor's embedded store, which forgets everything when it stops.
import { spawn } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { createSpaServer, type StaticFile } from './spa-server.js'

// This file runs as dist/examples/spa/start.js; the page's files stay in the source tree.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const publicDir = join(repoRoot, 'examples', 'spa', 'public')
const clientBundle = join(repoRoot, 'dist', 'clients', 'browser', 'rotor.min.js')

const port = Number(process.env.SPA_PORT ?? 8080)
const rotorPort = Number(process.env.ROTOR_PORT ?? 3000)
const rotorUrl = `http://127.0.0.1:${rotorPort}`

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }

async function pageFiles (): Promise<Record<string, StaticFile>> {
  const files: Record<string, StaticFile> = {}
  for (const name of await readdir(publicDir)) {
    files[`/${name}`] = { body: await readFile(join(publicDir, name)), type: TYPES[extname(name)] ?? 'application/octet-stream' }
  }
  files['/rotor.js'] = { body: await readFile(clientBundle), type: TYPES['.js'] ?? '' }
  return files
}

async function waitUntilReady (): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    const ready = await fetch(`${rotorUrl}/ready`).then((answer) => answer.ok, () => false)
    if (ready) return
    await sleep(100)
  }
  throw new Error(`Rotor did not become ready at ${rotorUrl} within 20 s`)
}

const files = await pageFiles()
const rotor = spawn(process.execPath, [join(repoRoot, 'dist', 'src', 'server.js')], {
  // The example's server is Rotor's only client and passes each browser's address along.
  env: { ...process.env, PORT: String(rotorPort), HOST: '127.0.0.1', TRUST_PROXY: '127.0.0.1' },
  stdio: 'inherit'
})
rotor.on('exit', (code) => {
  console.error(`Rotor exited (${code ?? 'signal'}); stopping the example.`)
  process.exit(1)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => { rotor.kill(signal); process.exit(0) })
}
await waitUntilReady()
createSpaServer({ rotorUrl, files }).listen(port, 'localhost', () => {
  console.log(`Open http://localhost:${port}/ (Rotor behind it at ${rotorUrl})`)
})

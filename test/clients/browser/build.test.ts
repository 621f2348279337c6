// The browser client as users get it: `npm run build:browser` makes the package's `rotor/browser`
// subpath (ES module and types) and one minified file a page can load, which must stay within 4 kB
// gzipped and hold nothing but the client's own code.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { browserClientBundle } from '../../helpers/browser-client-bundle.js'
import { REPO_ROOT } from '../../helpers/server-process.js'

const BUDGET_BYTES = 4096
const OUT_DIR = join(REPO_ROOT, 'dist', 'clients', 'browser')

await promisify(execFile)('npm', ['run', '--silent', 'build:browser'], { cwd: REPO_ROOT })

t.test('the one-file build stays within 4 kB gzipped', async (t) => {
  const file = await readFile(join(OUT_DIR, 'rotor.min.js'))
  const gzipped = gzipSync(file, { level: 9 }).length
  t.comment(`rotor.min.js: ${file.length} bytes minified, ${gzipped} bytes gzipped (budget ${BUDGET_BYTES})`)
  t.ok(gzipped <= BUDGET_BYTES, `${gzipped} bytes gzipped is within the ${BUDGET_BYTES}-byte budget`)
  // The browser tests load the bundle made in memory: it must be this very file.
  t.equal(file.toString('utf8'), (await browserClientBundle()).code, 'the tests load the bytes npm run build:browser ships')
})

t.test('the bundle holds only the client\'s own code (no runtime dependencies)', async (t) => {
  const { inputs, code } = await browserClientBundle()
  t.ok(inputs.length > 0, 'the bundle has inputs')
  for (const input of inputs) t.match(input, /^clients\/browser\/[a-z-]+\.ts$/, `${input} is the client's own`)
  t.notMatch(code, /\bimport\s*[({"'a-zA-Z]/, 'the bundle imports nothing')
  t.match(code, /export\s*\{[^}]*createRotorClient/, 'the bundle exports createRotorClient')
})

t.test('rotor/browser resolves to the built module and its types', async (t) => {
  const resolved = fileURLToPath(import.meta.resolve('rotor/browser'))
  t.equal(resolved, join(OUT_DIR, 'index.js'))
  t.ok(existsSync(join(OUT_DIR, 'index.d.ts')), 'types are built beside it')
  t.equal(fileURLToPath(import.meta.resolve('rotor/browser/rotor.min.js')), join(OUT_DIR, 'rotor.min.js'))
  // A specifier in a variable: the type-check runs before anything is built.
  const specifier = 'rotor/browser'
  const module = await import(specifier) as { createRotorClient?: unknown, RotorError?: unknown }
  t.equal(typeof module.createRotorClient, 'function')
  t.equal(typeof module.RotorError, 'function')
})

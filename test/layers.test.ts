// Routes map HTTP to domain calls and back; the domain knows nothing of HTTP nor of metrics; error codes live in
// src/errors.ts alone; config.ts is a leaf every layer may import and only boot calls; bench/,
// clients/ and examples/ stay outside the server (docs/architecture.md). Read from the source tree,
// so a file that crosses one of these lines fails by name.
import t from 'tap'
import ts from 'typescript'
import { importsOf, importsWithKindOf, isIn, resolvedPath, sourcesOf } from './helpers/source-tree.js'

t.test('no route calls the store', async (t) => {
  const routes = await sourcesOf('src/routes')
  t.ok(routes.length > 0)
  for (const { path, text } of routes) {
    t.notMatch(text, /\bstore\.[a-zA-Z]+\s*\(/, `${path} calls no store method`)
  }
})

t.test('the domain imports nothing from Fastify, plugins/ or src/routes/', async (t) => {
  const domain = await sourcesOf('src/domain')
  t.ok(domain.length > 0)
  for (const { path, text } of domain) {
    const imports = importsOf(text)
    for (const specifier of imports) {
      t.notOk(/fastify/.test(specifier) || /(^|\/)plugins\//.test(specifier) || /(^|\/)routes\//.test(specifier), `${path} imports ${specifier}`)
    }
  }
})

t.test('prom-client stays in src/metrics/ and plugins/; src/metrics/ knows nothing of Fastify', async (t) => {
  const rulesAndStorage = [...await sourcesOf('src/domain'), ...await sourcesOf('src/store'), ...await sourcesOf('src/routes')]
  t.ok(rulesAndStorage.length > 0)
  for (const { path, text } of rulesAndStorage) t.notOk(importsOf(text).includes('prom-client'), `${path} counts nothing itself`)
  const metrics = await sourcesOf('src/metrics')
  t.ok(metrics.length > 0)
  for (const { path, text } of metrics) {
    for (const specifier of importsOf(text)) {
      t.notOk(/fastify/.test(specifier) || /(^|\/)plugins\//.test(specifier) || /(^|\/)routes\//.test(specifier), `${path} imports ${specifier}`)
    }
  }
})

t.test('no AUTH_ code is spelled out as a string outside src/errors.ts', async (t) => {
  const sources = [...await sourcesOf('src'), ...await sourcesOf('plugins')].filter(({ path }) => path !== 'src/errors.ts')
  t.ok(sources.length > 0)
  for (const { path, text } of sources) t.notMatch(text, /['"`]AUTH_[A-Z_]*['"`]/, `${path} compares errors by class`)
})

t.test('config.ts is a leaf: it imports nothing of Rotor\'s', async (t) => {
  const [config] = (await sourcesOf('src')).filter(({ path }) => path === 'src/config.ts')
  t.ok(config, 'src/config.ts exists')
  const imports = importsOf(config?.text ?? '')
  t.ok(imports.length > 0)
  for (const specifier of imports) t.notOk(specifier.startsWith('.'), `src/config.ts imports ${specifier}`)
})

t.test('only boot calls loadConfig, and nothing but config.ts reads process.env', async (t) => {
  const sources = [...await sourcesOf('src'), ...await sourcesOf('plugins'), ...await sourcesOf('clients')]
  const callers = sources.filter(({ path, text }) => path !== 'src/config.ts' && /\bloadConfig\s*\(/.test(text)).map(({ path }) => path)
  t.same(callers.sort(), ['src/cluster.ts', 'src/server.ts'])
  for (const { path, text } of sources) {
    if (path !== 'src/config.ts') t.notMatch(text, /\bprocess\.env\b/, `${path} takes its settings from Config`)
  }
})

// What the bench may load of the server besides its HTTP API: entry points docs/architecture.md names.
const BENCH_ENTRY_POINTS = [
  'src/store/redis-store.js', 'src/store/redis-seeding.js', 'src/store/types.js',
  'src/domain/passwords.js', 'plugins/security-headers.js',
  // The redis1+sign baseline (issue 18) signs with the server's signer and keys, through its schemas.
  'src/domain/access-tokens.js', 'src/domain/keys.js', 'src/schemas/common.js',
  // The revocation-check-cost baseline builds the server's own app and replaces only that check.
  'src/app.js', 'src/config.js',
  // The argon2 baseline's threads take the server's hashing threads' priority.
  'src/runtime/password-threads.js'
]

t.test('bench/ imports nothing from test/, and the server only through its entry points', async (t) => {
  const bench = await sourcesOf('bench')
  t.ok(bench.length > 0)
  for (const { path, text } of bench) {
    for (const { specifier } of importsWithKindOf(text)) {
      const target = resolvedPath(path, specifier)
      t.notOk(isIn(target, 'test'), `${path} imports ${specifier}`)
      if (isIn(target, 'src') || isIn(target, 'plugins')) t.ok(BENCH_ENTRY_POINTS.includes(target as string), `${path} imports ${specifier}, an entry point`)
    }
  }
})

// The shapes both sides of the wire read live in one file of types that imports nothing, so a client's
// import of them loads no server code and the gateway's built .d.ts pulls in that one file alone.
const WIRE_TYPES = 'src/wire-types.ts'

t.test(`${WIRE_TYPES} declares types only and imports nothing`, async (t) => {
  const [wire] = (await sourcesOf('src')).filter(({ path }) => path === WIRE_TYPES)
  t.ok(wire, `${WIRE_TYPES} exists`)
  t.same(importsOf(wire?.text ?? ''), [])
  const { outputText } = ts.transpileModule(wire?.text ?? '', { compilerOptions: { module: ts.ModuleKind.ESNext, removeComments: true, verbatimModuleSyntax: true } })
  t.equal(outputText.trim(), 'export {};', 'it compiles to no JavaScript at all')
})

t.test('clients/ import nothing from src/ beyond the wire types, and nothing from plugins/, test/ or bench/', async (t) => {
  const clients = await sourcesOf('clients')
  t.ok(clients.length > 0)
  for (const { path, text } of clients) {
    for (const { specifier, typeOnly } of importsWithKindOf(text)) {
      const target = resolvedPath(path, specifier)
      if (isIn(target, 'src')) {
        t.ok(typeOnly, `${path} imports only types from ${specifier}`)
        t.equal(target, WIRE_TYPES.replace(/\.ts$/, '.js'), `${path} imports from src/ only ${WIRE_TYPES}`)
      }
      for (const folder of ['plugins', 'test', 'bench', 'examples']) t.notOk(isIn(target, folder), `${path} imports ${specifier}`)
    }
  }
})

t.test('examples/ use Rotor over HTTP and through clients/ only', async (t) => {
  const examples = await sourcesOf('examples')
  for (const { path, text } of examples) {
    for (const { specifier } of importsWithKindOf(text)) {
      const target = resolvedPath(path, specifier)
      for (const folder of ['src', 'plugins', 'test', 'bench']) t.notOk(isIn(target, folder), `${path} imports ${specifier}`)
    }
  }
  t.pass(`${examples.length} example files read`)
})

t.test('the import reader sees what it must refuse', async (t) => {
  t.same(importsOf("import fp from 'fastify-plugin'\nimport type { X } from '../../plugins/errors.js'\nimport {\n  a\n} from '../routes/me.js'"),
    ['fastify-plugin', '../../plugins/errors.js', '../routes/me.js'])
  t.same(importsWithKindOf("export const a = 'x'\nexport { b, type C } from '../../src/b.js'\nexport type { D } from '../../src/d.js'\n" +
    "import e, { f } from './e.js'\nimport * as g from 'g'\nimport './h.js'\nconst i = await import('../../test/i.js')"), [
    { specifier: '../../src/b.js', typeOnly: false },
    { specifier: '../../src/d.js', typeOnly: true },
    { specifier: './e.js', typeOnly: false },
    { specifier: 'g', typeOnly: false },
    { specifier: './h.js', typeOnly: false },
    { specifier: '../../test/i.js', typeOnly: false }
  ])
  t.equal(resolvedPath('clients/gateway/types.ts', '../../src/store/types.js'), 'src/store/types.js')
  t.equal(resolvedPath('bench/run.ts', 'ioredis'), null)
  t.ok(isIn('test/helpers/app.js', 'test'))
  t.notOk(isIn('tests/app.js', 'test'))
})

// package.json says what is used: a runtime dependency is loaded by the server (src/, plugins/) or
// by a client users import (clients/); whatever those load is a dependency or a peer the user
// brings; whatever the bench, the examples and the tests load is declared somewhere. Read from the
// source tree, so a package added to code but not to package.json, or left in dependencies after
// its last import went, fails by name.
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import t from 'tap'
import { importsWithKindOf, packageOf, root, sourcesOf, type SourceFile } from './helpers/source-tree.js'

interface Manifest {
  name: string
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest
const runtime = Object.keys(manifest.dependencies ?? {})
const peers = Object.keys(manifest.peerDependencies ?? {})
// The package's own name counts: the examples import the clients the way users do, through its "exports".
const declared = [manifest.name, ...runtime, ...peers, ...Object.keys(manifest.devDependencies ?? {})]

function packagesLoadedBy (files: SourceFile[], valuesOnly: boolean): Map<string, string> {
  const loadedBy = new Map<string, string>()
  for (const { path, text } of files) {
    for (const { specifier, typeOnly } of importsWithKindOf(text)) {
      const name = packageOf(specifier)
      if (name === null || builtinModules.includes(name) || (valuesOnly && typeOnly)) continue
      if (!loadedBy.has(name)) loadedBy.set(name, path)
    }
  }
  return loadedBy
}

t.test('every runtime dependency is loaded by the server or a client', async (t) => {
  const loaded = packagesLoadedBy([...await sourcesOf('src'), ...await sourcesOf('plugins'), ...await sourcesOf('clients')], true)
  t.ok(runtime.length > 0)
  for (const name of runtime) t.ok(loaded.has(name), `${name} is loaded by src/, plugins/ or clients/ (else it belongs in devDependencies)`)
})

// The server's type-only imports are erased at build time; a client's reach its users' compiler
// through the declarations it ships, so they count.
t.test('what the server and the clients load is a dependency, or a peer the user brings', async (t) => {
  const server = packagesLoadedBy([...await sourcesOf('src'), ...await sourcesOf('plugins')], true)
  const clients = packagesLoadedBy(await sourcesOf('clients'), false)
  t.ok(server.size > 0 && clients.size > 0)
  for (const [name, path] of [...server, ...clients]) t.ok(runtime.includes(name) || peers.includes(name), `${name} (${path}) is in dependencies or peerDependencies`)
})

t.test('a peer dependency is installed for the tests too', async (t) => {
  for (const name of peers) t.ok(Object.keys(manifest.devDependencies ?? {}).includes(name), `${name} is in devDependencies`)
  t.ok(peers.length > 0)
})

t.test('what the bench, the examples and the tests load is declared', async (t) => {
  const files = [...await sourcesOf('bench'), ...await sourcesOf('examples'), ...await sourcesOf('test')]
  const loaded = packagesLoadedBy(files, false)
  t.ok(loaded.size > 0)
  for (const [name, path] of loaded) t.ok(declared.includes(name), `${name} (${path}) is declared in package.json`)
})

t.test('the package reader names what a specifier loads', async (t) => {
  t.equal(packageOf('@fastify/jwt'), '@fastify/jwt')
  t.equal(packageOf('typebox/value'), 'typebox')
  t.equal(packageOf('node:crypto'), null)
  t.equal(packageOf('../src/config.js'), null)
  t.same(importsWithKindOf("const sodium = createRequire(import.meta.url)('sodium-native')"), [{ specifier: 'sodium-native', typeOnly: false }])
})

// Routes map HTTP to domain calls and back; the domain knows nothing of HTTP; error codes live in
// src/errors.ts alone. Read from the source tree, so a route that reaches into the store, a domain
// module that imports Fastify, a plugin or a route, or a code spelled out elsewhere fails by name.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'

const root = new URL('../', import.meta.url).pathname

async function sourcesOf (folder: string): Promise<Array<{ path: string, text: string }>> {
  const entries = await readdir(join(root, folder), { recursive: true, withFileTypes: true })
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  return await Promise.all(files.map(async (entry) => {
    const path = join(entry.parentPath, entry.name)
    return { path: path.slice(root.length), text: await readFile(path, 'utf8') }
  }))
}

function importsOf (text: string): string[] {
  return [...text.matchAll(/^\s*import\s[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1] as string)
}

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

t.test('no AUTH_ code is spelled out as a string outside src/errors.ts', async (t) => {
  const sources = [...await sourcesOf('src'), ...await sourcesOf('plugins')].filter(({ path }) => path !== 'src/errors.ts')
  t.ok(sources.length > 0)
  for (const { path, text } of sources) t.notMatch(text, /['"`]AUTH_[A-Z_]*['"`]/, `${path} compares errors by class`)
})

t.test('the import reader sees what it must refuse', async (t) => {
  t.same(importsOf("import fp from 'fastify-plugin'\nimport type { X } from '../../plugins/errors.js'\nimport {\n  a\n} from '../routes/me.js'"),
    ['fastify-plugin', '../../plugins/errors.js', '../routes/me.js'])
})

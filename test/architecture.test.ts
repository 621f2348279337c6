// docs/architecture.md stays true as the tree changes: it names every top-level folder and every
// folder of src/; no file in src/, plugins/ or clients/ runs past 300 lines (one job per file);
// tsconfig.json and eslint.config.js name only folders that exist, and the type-check covers every
// folder that holds TypeScript.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { foldersUnder, root, sourcesOf, topLevelFolders } from './helpers/source-tree.js'

const MAX_LINES = 300
const plan = readFileSync(join(root, 'docs/architecture.md'), 'utf8')

t.test('docs/architecture.md names every top-level folder and every folder of src/', async (t) => {
  const folders = [...await topLevelFolders(), ...await foldersUnder('src')]
  t.ok(folders.includes('src') && folders.includes('src/store/redis'))
  for (const folder of folders) t.match(plan, `${folder}/`, `docs/architecture.md names ${folder}/`)
})

t.test(`no file in src/, plugins/ or clients/ is over ${MAX_LINES} lines`, async (t) => {
  const files = [...await sourcesOf('src'), ...await sourcesOf('plugins'), ...await sourcesOf('clients')]
  t.ok(files.length > 0)
  for (const { path, text } of files) {
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
    t.ok(lines <= MAX_LINES, `${path}: ${lines} lines`)
  }
})

t.test('tsconfig.json includes exactly the top-level folders that hold TypeScript', async (t) => {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include: string[] }
  const holdingTypeScript: string[] = []
  for (const folder of await topLevelFolders()) {
    if ((await sourcesOf(folder)).length > 0) holdingTypeScript.push(folder)
  }
  t.ok(holdingTypeScript.includes('src'))
  t.same([...tsconfig.include].sort(), holdingTypeScript.sort())
})

// Its `ignores` name generated folders (dist/, coverage/), which exist only after a build or a run.
t.test('eslint.config.js applies rules to no folder that does not exist', async (t) => {
  const config = readFileSync(join(root, 'eslint.config.js'), 'utf8')
  const globs = [...config.matchAll(/files:\s*\[([^\]]*)\]/g)].map((match) => match[1] as string).join(',')
  const named = [...globs.matchAll(/'([\w.-]+)\/[^']*'/g)].map((match) => match[1] as string)
  t.ok(named.length > 0)
  for (const folder of named) t.ok(existsSync(join(root, folder)), `${folder}/ exists`)
})

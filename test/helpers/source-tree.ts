// The repository's own files, read from disk, for the tests that hold the tree to docs/architecture.md:
// which files a folder holds, what each imports (and whether only its types), and which folders exist.
import { existsSync, readFileSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'

export const root = new URL('../../', import.meta.url).pathname

export interface SourceFile {
  /** Relative to the repository root, with forward slashes: 'src/domain/sessions.ts'. */
  path: string
  text: string
}

/** Every .ts file under `folder` (relative to the root), at any depth; none when the folder does not exist. */
export async function sourcesOf (folder: string): Promise<SourceFile[]> {
  if (!existsSync(join(root, folder))) return []
  const entries = await readdir(join(root, folder), { recursive: true, withFileTypes: true })
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  return await Promise.all(files.map(async (entry) => {
    const path = join(entry.parentPath, entry.name)
    return { path: path.slice(root.length), text: await readFile(path, 'utf8') }
  }))
}

export interface ImportOf {
  specifier: string
  /** `import type` / `export type … from`: erased from the JavaScript, so nothing is loaded. */
  typeOnly: boolean
}

// `import x from`, `import type { … } from`, `import x, { … } from`, `import * as x from`,
// `export { … } from`, `export * from`: the bindings part is matched by shape, so one statement's
// match never runs into the next statement's `from`.
const STATIC_FROM = /^[ \t]*(import|export)\s+(type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^{}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s*from\s*['"]([^'"]+)['"]/gm
const SIDE_EFFECT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g
// createRequire(import.meta.url) called with a package name: how an optional native addon is loaded.
const REQUIRED = /\b(?:require|createRequire\([^()]*\))\(\s*['"]([^'"]+)['"]\s*\)/g

/** What a file imports or re-exports: static, side-effect, dynamic and require() loads with literal specifiers. */
export function importsWithKindOf (text: string): ImportOf[] {
  const found: ImportOf[] = []
  for (const match of text.matchAll(STATIC_FROM)) found.push({ specifier: match[3] as string, typeOnly: match[2] !== undefined })
  for (const match of text.matchAll(SIDE_EFFECT)) found.push({ specifier: match[1] as string, typeOnly: false })
  for (const match of text.matchAll(DYNAMIC)) found.push({ specifier: match[1] as string, typeOnly: false })
  for (const match of text.matchAll(REQUIRED)) found.push({ specifier: match[1] as string, typeOnly: false })
  return found
}

export function importsOf (text: string): string[] {
  return importsWithKindOf(text).map(({ specifier }) => specifier)
}

/** The repository path a relative specifier of `from` points at ('src/store/types.js'); null for a package. */
export function resolvedPath (from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null
  return posix.normalize(posix.join(dirname(from), specifier))
}

/** Whether `path` (as resolvedPath gives it) lies in `folder` ('src', 'src/store'). */
export function isIn (path: string | null, folder: string): boolean {
  return path !== null && (path === folder || path.startsWith(`${folder}/`))
}

/** Folders at the top of the repository, leaving out .git and what .gitignore names as a folder. */
export async function topLevelFolders (): Promise<string[]> {
  const ignored = readFileSync(join(root, '.gitignore'), 'utf8').split('\n')
    .filter((line) => /^[^#*!/][^*]*\/$/.test(line.trim())).map((line) => line.trim().slice(0, -1))
  const entries = await readdir(root, { withFileTypes: true })
  return entries.filter((entry) => entry.isDirectory() && entry.name !== '.git' && !ignored.includes(entry.name))
    .map((entry) => entry.name).sort()
}

/** Every folder under `folder` (relative to the root), at any depth, itself left out. */
export async function foldersUnder (folder: string): Promise<string[]> {
  const entries = await readdir(join(root, folder), { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name).slice(root.length)).sort()
}

/** The package a bare specifier loads ('@fastify/jwt' for '@fastify/jwt/x', 'typebox' for 'typebox/value'); null for node: and relative ones. */
export function packageOf (specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || specifier.startsWith('/')) return null
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] as string
}

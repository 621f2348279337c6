// The one-file build of clients/browser, made in memory with the options of `npm run build:browser`
// (test/clients/browser/build.test.ts checks that both give the same bytes).
import { build, type BuildOptions } from 'esbuild'
import { join } from 'node:path'
import { REPO_ROOT } from './server-process.js'

export const BROWSER_BUNDLE_OPTIONS = {
  entryPoints: [join(REPO_ROOT, 'clients', 'browser', 'index.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022'
} satisfies BuildOptions

export interface BrowserBundle {
  code: string
  /** Every source file the bundle was made of, relative to the repository. */
  inputs: string[]
}

let bundled: Promise<BrowserBundle> | undefined

export async function browserClientBundle (): Promise<BrowserBundle> {
  bundled ??= build({ ...BROWSER_BUNDLE_OPTIONS, write: false, metafile: true, absWorkingDir: REPO_ROOT }).then((result) => ({
    code: result.outputFiles[0]?.text ?? '',
    inputs: Object.keys(result.metafile.inputs)
  }))
  return await bundled
}

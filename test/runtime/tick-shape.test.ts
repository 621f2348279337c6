// The tick object's shape (src/runtime/tick-shape.ts): with it held, process.nextTick's object
// literal keeps its monomorphic feedback through full collections made while no tick is queued;
// without it, the same collections turn that feedback megamorphic. Read from V8's own print of
// nextTick's feedback vector, in a child process with the flags that allow it.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { HELD_TICK_SHAPE } from '../../src/runtime/tick-shape.js'
import { builtServer } from '../helpers/server-process.js'

const tickShapeUrl = pathToFileURL(join(dirname(await builtServer()), 'runtime', 'tick-shape.js')).href

// Enough ticks for nextTick to collect feedback, an idle moment with full collections and nothing
// queued (what the memory reducer does to an idle server), more ticks, then the feedback printed.
const CHILD = `
const print = new Function('f', '%DebugPrint(f)')
if (process.env.HOLD === '1') await import(process.env.TICK_SHAPE_URL)
const ticks = (count, then) => { let left = count; const next = () => { if (--left > 0) process.nextTick(next, left); else then() }; next() }
ticks(1000, () => setTimeout(() => {
  for (let i = 0; i < 4; i++) globalThis.gc()
  ticks(1000, () => setTimeout(() => { print(process.nextTick) }, 10))
}, 10))
`

/** The states of nextTick's four DefineKeyedOwnPropertyInLiteral slots (its tick literal's properties). */
async function literalFeedback (hold: boolean): Promise<string[]> {
  // V8 prints through C's stdio: into a pipe it can lose what the reader has not taken yet, into a
  // file it cannot.
  const dir = await mkdtemp(join(tmpdir(), 'rotor-tick-shape-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'stdout')
  const stdout = await open(file, 'w')
  // Through env(1) without NODE_OPTIONS: tap's coverage puts its own preload into every child's
  // NODE_OPTIONS, and that preload's ticks and collections turn the literal megamorphic before any
  // module of ours runs (with it, both cases read megamorphic and the first fails).
  const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, '--allow-natives-syntax', '--expose-gc', '--input-type=module', '-e', CHILD], {
    env: { PATH: process.env.PATH ?? '', HOLD: hold ? '1' : '0', TICK_SHAPE_URL: tickShapeUrl },
    stdio: ['ignore', stdout.fd, 'inherit']
  })
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  await stdout.close()
  if (code !== 0) throw new Error(`the child exited with ${code}`)
  return [...(await readFile(file, 'utf8')).matchAll(/DefineKeyedOwnPropertyInLiteral (\w+)/g)].map((match) => match[1] as string)
}

t.test('this Node has the tick symbols, so the shape is held', async (t) => {
  t.type(HELD_TICK_SHAPE, 'object')
})

t.test('with the shape held, the tick literal stays monomorphic through idle full collections', async (t) => {
  t.same(await literalFeedback(true), ['MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC', 'MONOMORPHIC'])
})

t.test('without it, the same collections turn the literal megamorphic (what the hold prevents)', async (t) => {
  t.same(await literalFeedback(false), ['MONOMORPHIC', 'MEGAMORPHIC', 'MEGAMORPHIC', 'MEGAMORPHIC'])
})

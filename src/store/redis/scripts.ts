// The Lua scripts of ../lua/, read once per process and defined on each client under a prefixed
// name. A script is one atomic round trip; ioredis sends EVAL with the body the first time a script
// runs on a connection, EVALSHA after that, and retries as EVAL on NOSCRIPT, so a Redis restart that
// emptied the script cache costs no extra round trip.
import { readFileSync } from 'node:fs'
import type { Cluster, Redis } from 'ioredis'

// `libs` are files of lua/lib/ put before the script (local functions they share); `keys`
// undefined means the caller passes the number of keys first (rotateRefreshToken: 3 or 4).
interface ScriptSpec { file: string, keys?: number, libs?: string[] }
const SCRIPT_SPECS = {
  createSession: { file: 'create-session', keys: 4, libs: ['session-record', 'revocations'] },
  rotateRefreshToken: { file: 'rotate-refresh-token', libs: ['session-record', 'counter', 'revocations'] },
  endSession: { file: 'end-session', keys: 3, libs: ['session-record', 'revocations'] },
  endAllSessions: { file: 'end-all-sessions', keys: 3, libs: ['session-record', 'revocations'] },
  listSessions: { file: 'list-sessions', keys: 2, libs: ['session-record'] },
  findSession: { file: 'find-session', keys: 1, libs: ['session-record'] },
  changePassword: { file: 'change-password', keys: 3, libs: ['session-record', 'revocations'] },
  confirmUsername: { file: 'confirm-username', keys: 1 },
  incrementCounter: { file: 'increment-counter', keys: 1, libs: ['counter'] },
  releaseCounterHit: { file: 'release-counter-hit', keys: 1 },
  readCounter: { file: 'read-counter', keys: 1 },
  readRevocations: { file: 'read-revocations', keys: 1, libs: ['revocations'] },
  publishRevocations: { file: 'publish-revocations', keys: 2, libs: ['revocations'] }
} satisfies Record<string, ScriptSpec>
type ScriptName = keyof typeof SCRIPT_SPECS
const SCRIPTS: Record<ScriptName, ScriptSpec> = SCRIPT_SPECS

type ScriptCall = (...keysThenArgs: Array<string | number | Buffer>) => Promise<unknown>
/** Every script, callable on one client: keys first (after their count where a script takes any number), then arguments. */
export type RedisScripts = Record<ScriptName, ScriptCall>

// Next to this folder when run from src/; the compiled dist/src/store/redis/ reads them from src/.
const LUA_DIRS = [new URL('../lua/', import.meta.url), new URL('../../../../src/store/lua/', import.meta.url)]

/** The text of lua/<file>.lua (a script outside SCRIPT_SPECS is defined by whoever runs it). */
export function readLua (file: string): string {
  for (const dir of LUA_DIRS) {
    try {
      return readFileSync(new URL(`${file}.lua`, dir), 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  throw new Error(`src/store/lua/${file}.lua not found`)
}

// Read once per process; every client defines them with defineCommand.
const LUA = Object.fromEntries(Object.entries(SCRIPTS).map(([name, { file, libs = [] }]) =>
  [name, [...libs.map((lib) => readLua(`lib/${lib}`)), readLua(file)].join('\n')])) as Record<ScriptName, string>

/** The source Redis runs for lua/<file>.lua, its libraries included (for tests that EVAL it by hand). */
export function scriptSource (file: string): string {
  const name = (Object.keys(SCRIPTS) as ScriptName[]).find((script) => SCRIPTS[script].file === file)
  if (name === undefined) throw new Error(`no script ${file}`)
  return LUA[name]
}

/** Defines every script on `client` (as `rotor_<name>`) and returns them bound to it. */
export function defineScripts (client: Redis | Cluster): RedisScripts {
  const scripts = {} as RedisScripts
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    const command = `rotor_${name}`
    client.defineCommand(command, { numberOfKeys: SCRIPTS[name].keys, lua: LUA[name] })
    const method = (client as unknown as Record<string, ScriptCall>)[command]
    if (method === undefined) throw new Error(`defineCommand did not add ${command}`)
    scripts[name] = method.bind(client)
  }
  return scripts
}

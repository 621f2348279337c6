// Every command a store script runs is granted to the rotor user of deploy/redis/users.acl.
// Redis checks each redis.call inside EVAL against the caller's ACL, so a script that gains a
// command the file does not grant fails only at run time, under the production user (a login at
// SESSIONS_PER_USER_MAX did, with GETRANGE). This reads the commands out of the scripts
// themselves, lib/ included, so the list cannot fall behind them.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const LUA_DIR = 'src/store/lua'
// Run only by the benchmark's seeding entry point (src/store/redis-seeding.ts), never by the server
// against a production Redis: RESTORE stays ungranted on purpose.
const SEEDING_ONLY = new Set([join(LUA_DIR, 'copy-sessions.lua')])

function luaFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? luaFiles(join(dir, entry.name)) : entry.name.endsWith('.lua') ? [join(dir, entry.name)] : [])
}

function commandsRunBy (file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/redis\.(?:p?call)\(\s*'([A-Za-z]+)'/g)].map((match) => (match[1] ?? '').toLowerCase())
}

function grantedToRotor (): Set<string> {
  const line = readFileSync('deploy/redis/users.acl', 'utf8').split('\n').find((entry) => entry.startsWith('user rotor '))
  if (line === undefined) throw new Error('deploy/redis/users.acl has no rotor user')
  return new Set(line.split(' ').filter((rule) => rule.startsWith('+')).map((rule) => rule.slice(1).split('|')[0] ?? ''))
}

t.test('each command in src/store/lua/**/*.lua is granted to the rotor user', async (t) => {
  const granted = grantedToRotor()
  const files = luaFiles(LUA_DIR).filter((file) => !SEEDING_ONLY.has(file))
  t.ok(files.some((file) => file.includes('/lib/')), 'the shared library scripts are read too')
  let seen = 0
  for (const file of files) {
    for (const command of commandsRunBy(file)) {
      seen++
      t.ok(granted.has(command), `${file} runs ${command.toUpperCase()}: grant it in deploy/redis/users.acl`)
    }
  }
  t.ok(seen > 20, `the scripts' commands were found (${seen})`)
})

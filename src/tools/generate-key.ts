// `npm run keys -- <alg> <dir> [kid]`: writes a new key file for JWT_KEYS_DIR and prints its path.
// The default kid is the UTC time to the second, YYYYMMDDTHHMMSSZ, so a new key sorts after every
// older key in byte order and signs after the next start or reload.
import { mkdir, readdir } from 'node:fs/promises'
import { basename, parse } from 'node:path'
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../config.js'
import { keyNameWarnings } from '../domain/key-names.js'
import { generateKeyFile } from '../domain/keys.js'

const USAGE = `usage: npm run keys -- <${JWT_ALGORITHMS.join('|')}> <dir> [kid]

Writes a new private key (HS256: a 32-byte secret) for JWT_KEYS_DIR into <dir> and prints its path.
The default kid is the UTC time, YYYYMMDDTHHMMSSZ (e.g. 20261123T091500Z): it sorts after every older
key, so it signs once the server starts or gets SIGHUP. Delete an old key only SESSION_MAX_TTL after
it stopped signing: refresh tokens are authenticated with a key derived from it until then (its
access tokens expire long before). Device cookies made with it (180 days) then count as unknown
devices, which only loses their exemption from the per-username login lockout.
`

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE)
  process.exit(0)
}
const [alg, dir, kid] = args
if (alg === undefined || dir === undefined || !(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
  process.stderr.write(USAGE)
  process.exit(2)
}
await mkdir(dir, { recursive: true, mode: 0o700 })
let written: string
try {
  written = await generateKeyFile(alg as JwtAlgorithm, dir, kid)
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  console.error(`rotor keys: ${dir} already holds a key with kid ${JSON.stringify(kid ?? 'of this second')}: choose another kid (or wait a second)`)
  process.exit(1)
}
process.stdout.write(`${written}\n`)

// What the server would warn about once it loads the folder, said now, while the new key is easy to
// rename: a key that will not sign, or a name that looks like another's. Names as the server reads
// them: every file but hidden ones (a directory here is unlikely enough not to stat each entry).
const files = (await readdir(dir)).filter((name) => !name.startsWith('.')).map((file) => ({ kid: parse(file).name, file }))
files.sort((a, b) => Buffer.compare(Buffer.from(a.kid), Buffer.from(b.kid)))
const signing = files.at(-1) as { kid: string, file: string }
if (signing.file !== basename(written)) {
  console.error(`rotor keys: warning: "${basename(written)}" will not sign: "${signing.file}" sorts after it in byte order and keeps signing`)
}
for (const warning of keyNameWarnings(files, signing.kid)) console.error(`rotor keys: warning: ${warning}`)

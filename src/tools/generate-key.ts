// `npm run keys -- <alg> <dir> [kid]`: writes a new key file for JWT_KEYS_DIR and prints its path.
// The default kid is the UTC time to the second, YYYYMMDDTHHMMSSZ, so a new key sorts after every
// older key in byte order and signs after the next start or reload.
import { mkdir } from 'node:fs/promises'
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../config.js'
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
try {
  process.stdout.write(`${await generateKeyFile(alg as JwtAlgorithm, dir, kid)}\n`)
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  console.error(`rotor keys: ${dir} already holds a key with kid ${JSON.stringify(kid ?? 'of this second')}: choose another kid (or wait a second)`)
  process.exit(1)
}

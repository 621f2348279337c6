// `npm run keys -- <alg> <dir> [kid]`: writes a new key file for JWT_KEYS_DIR and prints its path.
// The default kid is the UTC time, so the new key sorts last and signs after the next start or reload.
import { mkdir } from 'node:fs/promises'
import { JWT_ALGORITHMS, type JwtAlgorithm } from '../config.js'
import { generateKeyFile } from '../domain/keys.js'

const [alg, dir, kid] = process.argv.slice(2)
if (alg === undefined || dir === undefined || !(JWT_ALGORITHMS as readonly string[]).includes(alg)) {
  console.error(`usage: npm run keys -- <${JWT_ALGORITHMS.join('|')}> <dir> [kid]`)
  process.exit(2)
}
await mkdir(dir, { recursive: true, mode: 0o700 })
const path = await generateKeyFile(alg as JwtAlgorithm, dir, kid)
process.stdout.write(`${path}\n`)

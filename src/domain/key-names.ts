// Warnings about the names of the files in JWT_KEYS_DIR (issue 16, "Key names"). The last kid in byte
// order signs (docs/http-api.md, JWT_KEYS_DIR), so a name that sorts last without being the newest
// keeps an old key signing after a rotation, silently. And two names that look alike are usually one
// key written twice in two spellings, or a hand-named key beside `npm run keys`' names. Neither stops
// the server (the keys themselves are sound); each is one line saying which files and what to do.

/** A key file of the ring: its kid (the file name without its extension) and its file name. */
export interface KeyFileName {
  kid: string
  file: string
}

const ONE_SCHEME = 'name keys only by the UTC second, YYYYMMDDTHHMMSSZ, as `npm run keys` does'

// A date at the start of a name, with or without separators, to the day, minute or second:
// 20261206, 2026-12-06, 20261206T1200Z, 2026-12-06T12:00:00Z, 20261206T120000Z.
const DATE_SHAPED = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -]?(\d{2}):?(\d{2})(?::?(\d{2}))?)?/i

/** The UTC instant a date-shaped name stands for (ms), or undefined when the name is not one. */
export function dateOfKeyName (kid: string): number | undefined {
  const match = DATE_SHAPED.exec(kid)
  if (match === null) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as number[]
  const instant = Date.UTC(year as number, (month as number) - 1, day, hour, minute, second)
  const date = new Date(instant)
  // Date.UTC rolls 2026-13-40 over into 2027: such a name is not a date.
  if (date.getUTCMonth() !== (month as number) - 1 || date.getUTCDate() !== day || (hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return undefined
  return instant
}

// What a person sees when reading two names: no case, no separators, and the characters a font or a
// tired eye confuses (O and 0, l, I and 1) as one.
function skeleton (kid: string): string {
  return kid.normalize('NFKC').toLowerCase().replace(/[-_.:\s]/g, '').replace(/o/g, '0').replace(/[il|]/g, '1')
}

function lookalikeReason (a: KeyFileName, b: KeyFileName): string | undefined {
  const [skeletonA, skeletonB] = [skeleton(a.kid), skeleton(b.kid)]
  if (skeletonA === skeletonB) return 'their names differ only by case, separators or lookalike characters'
  const [dateA, dateB] = [dateOfKeyName(a.kid), dateOfKeyName(b.kid)]
  if (dateA !== undefined && dateA === dateB) return 'their names are the same time in two spellings'
  if (skeletonA.startsWith(skeletonB) || skeletonB.startsWith(skeletonA)) return 'one name is the start of the other'
  return undefined
}

/**
 * One line per problem with the names of the ring's key files: the signing kid (the last in byte
 * order) that is not the newest of the date-shaped names, and each pair of names that look alike.
 * Empty when the names are sound, as `npm run keys` makes them.
 */
export function keyNameWarnings (keys: readonly KeyFileName[], signingKid: string): string[] {
  const warnings: string[] = []
  const signing = keys.find((key) => key.kid === signingKid)
  let newest: { key: KeyFileName, date: number } | undefined
  for (const key of keys) {
    const date = dateOfKeyName(key.kid)
    if (date !== undefined && (newest === undefined || date > newest.date)) newest = { key, date }
  }
  if (signing !== undefined && newest !== undefined && dateOfKeyName(signing.kid) !== newest.date) {
    const stuck = dateOfKeyName(signing.kid) === undefined
      ? `; a date-named key never sorts after "${signing.file}": it keeps signing until it is removed, and removing it ends the sessions whose refresh tokens it signed`
      : '; add a key with `npm run keys`, which sorts after both'
    warnings.push(`JWT_KEYS_DIR: "${signing.file}" signs, as its name sorts last in byte order, although "${newest.key.file}" is dated later: ${ONE_SCHEME}, so the newest key sorts last${stuck}`)
  }
  for (const [index, a] of keys.entries()) {
    for (const b of keys.slice(index + 1)) {
      const reason = lookalikeReason(a, b)
      if (reason === undefined) continue
      warnings.push(`JWT_KEYS_DIR: "${a.file}" and "${b.file}" look alike (${reason}): one is probably a mistake for the other; ${ONE_SCHEME}, and keep one: delete the other once it has not signed for SESSION_MAX_TTL`)
    }
  }
  return warnings
}

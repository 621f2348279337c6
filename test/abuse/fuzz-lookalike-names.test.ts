// Fuzz of lookalike usernames (docs/http-api.md, "Usernames and passwords"): names made from a
// registered one by inserting invisible or space characters, respelling letters (upper case,
// fullwidth, Cyrillic look-alikes, a combining accent, NFD), sometimes with bytes that are not
// UTF-8 in the body. For each, register then log in with the registered account's password. Never a
// 5xx; errors in the contract's shape; a name holding an invisible or space character, or a body
// that is not UTF-8, is always 400; a name that is the registered one under the profile is 409 and
// logs in to it; no name the profile maps to an existing account ever registers a second one; and
// login agrees with registration about which account a name is.
import t from 'tap'
import { STATUS_CODES } from 'node:http'
import fc from 'fast-check'
import { buildTestApp } from '../helpers/app.js'
import { INVISIBLE_OR_SPACE, invalidUtf8, lookalikeOf, withBytes } from '../helpers/fuzz-requests.js'
import { usernameCaseMapped } from '../../src/domain/usernames.js'

const RUNS = 150
const SEED = 20261206
const BASE = 'lookalike-base'
const PASSWORD = 'correct horse battery'

const app = await buildTestApp(t)
const registered = await app.inject({ method: 'POST', url: '/auth/register', payload: { username: BASE, password: PASSWORD } })
t.equal(registered.statusCode, 201)

/** Canonical names with an account (all with PASSWORD). */
const accounts = new Set([BASE])
const statuses = new Map<string, number>()

async function post (url: string, body: string | Buffer) {
  const response = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'x-token-transport': 'body' }, payload: body })
  statuses.set(`${url} ${response.statusCode}`, (statuses.get(`${url} ${response.statusCode}`) ?? 0) + 1)
  const problems: string[] = []
  if (response.statusCode >= 500) problems.push(`${response.statusCode}: ${response.body}`)
  if (response.statusCode >= 400) {
    const error = response.json()
    if (JSON.stringify(Object.keys(error).sort()) !== '["code","error","message","statusCode"]' || error.error !== STATUS_CODES[response.statusCode]) {
      problems.push(`not the contract's error body: ${response.body}`)
    }
  }
  return { status: response.statusCode, json: response.json() as Record<string, unknown>, problems }
}

t.test('fuzz lookalike usernames: refused, or the same account, never a second one; never 5xx', async (t) => {
  let runs = 0
  await fc.assert(fc.asyncProperty(lookalikeOf(BASE), fc.option(fc.tuple(invalidUtf8, fc.nat()), { freq: 4 }), async (name, badBytes) => {
    runs++
    const json = JSON.stringify({ username: name, password: PASSWORD })
    // Bad bytes go inside the username's string, after `{"username":"`.
    const body = badBytes === null ? json : withBytes(json, 13 + (badBytes[1] % (JSON.stringify(name).length - 1)), badBytes[0])
    const check = usernameCaseMapped(name)
    const register = await post('/auth/register', body)
    const login = await post('/auth/login', body)
    const problems = [...register.problems, ...login.problems]
    const invisible = INVISIBLE_OR_SPACE.some((char) => name.includes(char))
    if (badBytes !== null) {
      if (register.status !== 400 || login.status !== 400) problems.push(`not UTF-8: register ${register.status}, login ${login.status}`)
      if (!/not valid UTF-8/.test(String(register.json.message))) problems.push(`message ${String(register.json.message)}`)
    } else if (invisible && register.status !== 400) {
      problems.push(`a name holding an invisible or space character: register ${register.status}`)
    } else if (check.problem !== undefined) {
      if (register.status !== 400 || !/^username /.test(String(register.json.message))) problems.push(`refused by the profile, yet register ${register.status} ${String(register.json.message)}`)
    } else if (accounts.has(check.username)) {
      if (register.status !== 409) problems.push(`"${check.username}" has an account, yet register ${register.status}`)
      if (login.status !== 200) problems.push(`"${check.username}" has an account with this password, yet login ${login.status}`)
    } else {
      if (register.status !== 201) problems.push(`a new name "${check.username}", yet register ${register.status}`)
      else accounts.add(check.username)
      if (login.status !== 200) problems.push(`just registered "${check.username}", yet login ${login.status}`)
    }
    if (badBytes === null && check.problem === undefined && login.status === 200 !== accounts.has(check.username)) {
      problems.push(`login ${login.status} disagrees with registration about "${check.username}"`)
    }
    if (problems.length > 0) throw new Error(`${JSON.stringify(name)}${badBytes === null ? '' : ` with bytes ${JSON.stringify(badBytes[0])}`}: ${problems.join('; ')}`)
  }), { seed: SEED, numRuns: RUNS, endOnFailure: true })
  t.equal(runs, RUNS)
  t.comment(`accounts: ${JSON.stringify([...accounts])}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`)
})

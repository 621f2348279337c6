// Cookie tossing: a sibling subdomain can set a second refresh cookie (Domain=<parent>, or a longer
// Path that browsers send first) holding the attacker's own session. Had the first cookie won, the
// victim's browser would refresh into the attacker's session. A request carrying more than one
// refresh cookie is refused with 400 AUTH_BAD_REQUEST (docs/http-api.md, "Refresh token transport"):
// nothing rotated, no Set-Cookie (neither cookie is spent or cleared), and both sessions still
// refresh afterwards. The plain name beside a `__Secure-` name is a different cookie the server
// never reads: it changes nothing.
import t from 'tap'
import { request } from 'node:http'
import { buildTestApp } from '../helpers/app.js'

const NAME = '__Secure-refresh_token'

interface Answer { status: number, setCookie: string[], body: Record<string, unknown> }

async function post (port: number, path: string, cookie: string | string[]): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: { cookie, 'x-requested-with': 'fetch' } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

function cookieValue (setCookie: string[], name = NAME): string {
  const value = setCookie.map((line) => line.startsWith(`${name}=`) ? line.slice(name.length + 1).split(';')[0] : undefined).find((found) => found !== undefined)
  if (value === undefined || value === '') throw new Error(`no ${name} cookie in ${JSON.stringify(setCookie)}`)
  return value
}

t.test('more than one refresh cookie: 400, nothing rotated, nothing cleared', async (t) => {
  // Grace replay off: a token that still refreshes afterwards was not spent by the refused request.
  const app = await buildTestApp(t, { REFRESH_REUSE_GRACE: '0' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const cookieLogin = async (username: string): Promise<string> => {
    const account = { username, password: 'correct horse battery' }
    await app.inject({ method: 'POST', url: '/auth/register', payload: account })
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: account })
    return cookieValue([login.headers['set-cookie'] ?? []].flat())
  }
  let victim = await cookieLogin('victim')
  let attacker = await cookieLogin('attacker')

  const shapes: Record<string, () => string | string[]> = {
    "the attacker's cookie first": () => `${NAME}=${attacker}; ${NAME}=${victim}`,
    "the victim's cookie first": () => `${NAME}=${victim}; ${NAME}=${attacker}`,
    'no space, a tab, a spaced name': () => `${NAME}=${attacker};\t${NAME} =${victim}`,
    'one of them empty': () => `${NAME}=; ${NAME}=${victim}`,
    'the same token twice': () => `${NAME}=${victim}; other=1; ${NAME}=${victim}`,
    'two Cookie header lines': () => [`${NAME}=${attacker}`, `${NAME}=${victim}`]
  }
  for (const path of ['/auth/refresh', '/auth/logout']) {
    for (const [shape, cookie] of Object.entries(shapes)) {
      const answer = await post(port, path, cookie())
      t.equal(answer.status, 400, `${path}, ${shape}: 400`)
      t.equal(answer.body.code, 'AUTH_BAD_REQUEST', `${path}, ${shape}: AUTH_BAD_REQUEST`)
      t.match(String(answer.body.message), /more than one.*clear.*cookies/i, `${path}, ${shape}: the message says what to do`)
      t.same(answer.setCookie, [], `${path}, ${shape}: no Set-Cookie`)
    }
    // Neither session was rotated or ended: each cookie alone still refreshes (and rotates).
    const victimRefresh = await post(port, '/auth/refresh', `${NAME}=${victim}`)
    t.equal(victimRefresh.status, 200, `after ${path}: the victim's cookie still refreshes`)
    victim = cookieValue(victimRefresh.setCookie)
    const attackerRefresh = await post(port, '/auth/refresh', `${NAME}=${attacker}`)
    t.equal(attackerRefresh.status, 200, `after ${path}: the attacker's cookie still refreshes`)
    attacker = cookieValue(attackerRefresh.setCookie)
  }

  // A plain-named cookie beside the __Secure- one is never read: the victim's own session rotates.
  const paired = await post(port, '/auth/refresh', `refresh_token=${attacker}; ${NAME}=${victim}`)
  t.equal(paired.status, 200, 'a tossed refresh_token beside __Secure-refresh_token changes nothing')
  t.equal((await post(port, '/auth/refresh', `${NAME}=${victim}`)).status, 401, "it was the victim's token that was spent")
  t.equal((await post(port, '/auth/refresh', `${NAME}=${attacker}`)).status, 200, "the attacker's session was not touched")
})

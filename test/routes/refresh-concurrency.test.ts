// Parallel refreshes with one token, and refreshes racing logout, through a listening server.
import t from 'tap'
import { buildTestApp, forEachStore, userWithSession } from '../helpers/app.js'

forEachStore(t, async (t, kind) => {
  const store = await kind.create(t)
  const app = await buildTestApp(t, {}, { store })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => await fetch(`${address}${url}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body)
  })

  for (const parallel of [20, 100]) {
    t.test(`${parallel} parallel refreshes with one token yield exactly one successor`, async (t) => {
      const user = await userWithSession(app)
      const responses = await Promise.all(Array.from({ length: parallel }, async () => await post('/auth/refresh', { refreshToken: user.refreshToken })))
      const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: await r.json() as { refreshToken?: string } })))
      t.same([...new Set(bodies.map((b) => b.status))], [200], 'within the grace window every caller gets 200')
      const successors = new Set(bodies.map((b) => b.body.refreshToken))
      t.equal(successors.size, 1, 'one successor')
      const [successor] = [...successors] as string[]
      const next = await post('/auth/refresh', { refreshToken: successor })
      t.equal(next.status, 200, 'and it is live')
    })
  }

  t.test('refreshes racing a logout leave no live token behind', async (t) => {
    for (let round = 0; round < 10; round++) {
      const user = await userWithSession(app)
      const results = await Promise.all([
        ...Array.from({ length: 5 }, async () => await post('/auth/refresh', { refreshToken: user.refreshToken })),
        post('/auth/logout', { refreshToken: user.refreshToken })
      ])
      const issued = await Promise.all(results.slice(0, 5).map(async (r) => r.status === 200 ? (await r.json() as { refreshToken: string }).refreshToken : null))
      for (const token of issued.filter((x): x is string => x !== null)) {
        t.equal((await post('/auth/refresh', { refreshToken: token })).status, 401, `round ${round}: a successor issued in the race is dead`)
      }
      t.equal((await post('/auth/refresh', { refreshToken: user.refreshToken })).status, 401)
    }
  })

  t.test('refreshes racing logout-all and a password change leave no live token behind', async (t) => {
    const user = await userWithSession(app)
    const results = await Promise.all([
      ...Array.from({ length: 5 }, async () => await post('/auth/refresh', { refreshToken: user.refreshToken })),
      post('/auth/logout-all', null, { authorization: `Bearer ${user.accessToken}` })
    ])
    for (const response of results.slice(0, 5)) {
      if (response.status !== 200) continue
      const { refreshToken } = await response.json() as { refreshToken: string }
      t.equal((await post('/auth/refresh', { refreshToken })).status, 401)
    }
  })
})

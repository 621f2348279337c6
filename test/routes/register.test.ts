import t from 'tap'
import { buildTestApp, forEachStore, register } from '../helpers/app.js'

forEachStore(t, async (t, kind) => {
  const store = await kind.create(t)
  const app = await buildTestApp(t, {}, { store })

  t.test('registers a user and answers its id and normalised name', async (t) => {
    const response = await register(app, 'Ｇｒａｃｅ', 'correct horse battery')
    t.equal(response.statusCode, 201)
    const body = response.json()
    t.same(Object.keys(body).sort(), ['id', 'username'])
    t.equal(body.username, 'grace')
    t.match(body.id, /^[A-Za-z0-9_-]{22}$/)
    t.equal(response.headers['cache-control'], 'no-store')
    const stored = await store.findUserByUsername('grace')
    t.equal(stored?.id, body.id)
    t.not(stored?.passwordHash, 'correct horse battery')
  })

  t.test('a name in use, in any case or width, is 409', async (t) => {
    t.equal((await register(app, 'hopper', 'correct horse battery')).statusCode, 201)
    for (const name of ['hopper', 'HOPPER', 'Ｈｏｐｐｅｒ']) {
      const response = await register(app, name, 'another password')
      t.equal(response.statusCode, 409, name)
      t.equal(response.json().code, 'AUTH_USERNAME_TAKEN')
    }
  })

  t.test('concurrent registrations of one name: one 201, the rest 409', async (t) => {
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => register(app, 'lovelace', `password number ${i}`)))
    const codes = responses.map((r) => r.statusCode).sort()
    t.same(codes, [201, 409, 409, 409, 409, 409, 409, 409])
  })
})

t.test('through a listening server, two concurrent registrations: one 201, one 409', async (t) => {
  const app = await buildTestApp(t)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const attempt = async () => await fetch(`${address}/auth/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'turing', password: 'correct horse battery' })
  })
  const statuses = (await Promise.all([attempt(), attempt()])).map((r) => r.status).sort()
  t.same(statuses, [201, 409])
})

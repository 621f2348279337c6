// Headers with a fixed set of values (issue 16): X-Token-Transport takes body or cookie in any case,
// and any other value is refused with a message listing both, rather than silently read as cookie;
// the revocation feed's Accept is matched without regard to case, as media types are (RFC 9110 §8.3.1).
import t from 'tap'
import { buildTestApp, register } from '../helpers/app.js'
import { openSse } from '../helpers/sse-client.js'

const FEED_TOKEN = 'feed-token-0123456789abcdef0123456789'
const app = await buildTestApp(t, { REVOCATION_FEED_TOKENS: FEED_TOKEN })
const PASSWORD = 'correct horse battery'
await register(app, 'transport', PASSWORD)

const login = async (transport: string) => await app.inject({ method: 'POST', url: '/auth/login', headers: { 'x-token-transport': transport }, payload: { username: 'transport', password: PASSWORD } })

t.test('X-Token-Transport: body and cookie in any case', async (t) => {
  for (const transport of ['body', 'BODY', 'Body']) {
    const response = await login(transport)
    t.equal(response.statusCode, 200, transport)
    t.type(response.json().refreshToken, 'string', `${transport}: the refresh token in the body`)
    t.equal(response.headers['set-cookie'], undefined, `${transport}: no cookie`)
  }
  for (const transport of ['cookie', 'COOKIE', 'Cookie']) {
    const response = await login(transport)
    t.equal(response.statusCode, 200, transport)
    t.equal(response.json().refreshToken, undefined, `${transport}: no refresh token in the body`)
    t.match(String(response.headers['set-cookie']), /refresh_token=rt_/, `${transport}: the refresh cookie`)
  }
})

t.test('any other X-Token-Transport is refused with the allowed values, and spends nothing', async (t) => {
  const { refreshToken } = (await login('body')).json() as { refreshToken: string }
  const requests = [
    { url: '/auth/login', payload: { username: 'transport', password: PASSWORD } },
    { url: '/auth/refresh', payload: { refreshToken } },
    { url: '/auth/logout', payload: { refreshToken } }
  ]
  for (const value of ['bdy', 'bodies', 'json', 'true']) {
    for (const { url, payload } of requests) {
      const response = await app.inject({ method: 'POST', url, headers: { 'x-token-transport': value }, payload })
      t.equal(response.statusCode, 400, `${url} with ${JSON.stringify(value)}`)
      t.equal(response.json().code, 'FST_ERR_VALIDATION')
      t.match(response.json().message, /^X-Token-Transport must be body or cookie \(any case\)/, 'the message lists the allowed values')
      t.equal(response.headers['set-cookie'], undefined, 'no cookie set or cleared')
    }
  }
  const refreshed = await app.inject({ method: 'POST', url: '/auth/refresh', headers: { 'x-token-transport': 'Body' }, payload: { refreshToken } })
  t.equal(refreshed.statusCode, 200, 'the refused refresh and logout spent and ended nothing')
})

t.test('the revocation feed streams for Accept: text/event-stream in any case', async (t) => {
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  const stream = await openSse(`${url}/auth/revocations`, { accept: 'Text/Event-Stream', authorization: `Bearer ${FEED_TOKEN}` })
  t.teardown(() => { stream.close() })
  t.match(stream.headers['content-type'], /^text\/event-stream/)
  const events = await stream.waitFor((event) => event.event === 'ready')
  t.equal(events.at(-1)?.event, 'ready', 'the stream opened')
})

// GET /docs/json is a valid OpenAPI 3.1 document listing every route the app serves with every
// error status, both refresh-token transports and the bearer scheme; GET /docs is the Swagger UI
// under a CSP that lets it run, while the API's own answers keep `default-src 'none'`.
import t from 'tap'
import { Validator } from '@seriousme/openapi-schema-validator'
import type { RouteOptions } from 'fastify'
import { buildTestApp } from '../helpers/app.js'
import { DOCS_CSP, DOCS_PREFIX } from '../../plugins/openapi.js'

interface Operation { security?: Array<Record<string, string[]>>, responses: Record<string, { description: string }>, description?: string }
interface Document { openapi: string, paths: Record<string, Record<string, Operation>>, components: { securitySchemes: Record<string, { type: string, scheme?: string, in?: string, name?: string }> } }

function openApiPath (url: string): string {
  return url.replace(/:(\w+)/g, '{$1}')
}

t.test('the document validates as OpenAPI 3.1 and lists every registered route', async (t) => {
  const routes: RouteOptions[] = []
  const app = await buildTestApp(t, { REVOCATION_FEED_TOKENS: 'f'.repeat(32) }, { onRoute: (route) => { routes.push(route) } })
  const response = await app.inject({ method: 'GET', url: `${DOCS_PREFIX}/json` })
  t.equal(response.statusCode, 200)
  const document = response.json<Document>()
  t.equal(document.openapi, '3.1.0')

  const validator = new Validator()
  const result = await validator.validate(document as unknown as Parameters<Validator['validate']>[0])
  t.same(result.errors, undefined, 'no schema errors')
  t.equal(result.valid, true, 'valid against the OpenAPI 3.1 schema')
  t.equal(validator.version, '3.1')

  const served = routes.filter((route) => !route.url.startsWith(DOCS_PREFIX))
  t.ok(served.length >= 12, `collected ${served.length} routes`)
  for (const route of served) {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue
      const operation = document.paths[openApiPath(route.url)]?.[method.toLowerCase()]
      t.ok(operation, `${method} ${route.url} is documented`)
      if (operation === undefined) continue
      const statuses = Object.keys(operation.responses)
      t.ok(statuses.some((status) => status.startsWith('2')), `${method} ${route.url}: a success answer`)
      t.ok(statuses.includes('429') && statuses.includes('500'), `${method} ${route.url}: 429 and 500`)
      t.notOk(statuses.includes('4XX') || statuses.includes('4xx'), `${method} ${route.url}: error statuses named one by one`)
      const bearerRoute = (route.config as { bearer?: unknown } | undefined)?.bearer === true
      if (bearerRoute) {
        t.same(operation.security, [{ bearer: [] }], `${method} ${route.url}: bearer security`)
        t.match(operation.responses['401']?.description, /AUTH_TOKEN_MISSING.*AUTH_TOKEN_INVALID.*AUTH_TOKEN_EXPIRED.*AUTH_SESSION_ENDED/, `${method} ${route.url}: 401 codes`)
      }
    }
  }
  t.notOk(Object.keys(document.paths).some((path) => path.startsWith(DOCS_PREFIX)), "/docs's own routes are not in the document")

  t.match(document.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
  t.equal(document.components.securitySchemes.refreshCookie?.in, 'cookie')
  t.equal(document.components.securitySchemes.refreshCookie?.name, app.config.cookieName)
  const refresh = document.paths['/auth/refresh']?.post
  t.same(refresh?.security, [{ refreshCookie: [] }, { refreshBody: [] }], 'refresh: both transports')
  t.match(refresh?.description, /X-Requested-With/)
  t.match(refresh?.description, /X-Token-Transport: body/)
  t.match(refresh?.responses['401']?.description, /AUTH_REFRESH_MISSING.*AUTH_REFRESH_INVALID.*AUTH_REFRESH_REUSED/)
  t.match(refresh?.responses['403']?.description, /AUTH_CSRF/)
  t.match(refresh?.responses['503']?.description, /AUTH_STORE_UNAVAILABLE/)
  t.match(document.paths['/auth/register']?.post?.responses['409']?.description, /AUTH_USERNAME_TAKEN/)
  t.match(document.paths['/auth/register']?.post?.responses['415']?.description, /application\/json/)
  t.match(document.paths['/auth/sessions/{id}']?.delete?.responses['404']?.description, /AUTH_SESSION_NOT_FOUND/)
  const feed = document.paths['/auth/revocations']?.get
  t.same(feed?.security, [{ feedToken: [] }], 'the revocation feed takes a feed token')
  t.match(feed?.responses['401']?.description, /AUTH_FEED_UNAUTHORIZED/)
  t.match(feed?.description, /text\/event-stream/)
})

t.test('the UI is served with a CSP of its own; the API keeps default-src none', async (t) => {
  const app = await buildTestApp(t)
  const page = await app.inject({ method: 'GET', url: `${DOCS_PREFIX}/` })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.equal(page.headers['content-security-policy'], DOCS_CSP)
  t.notMatch(page.body, /<script>(?!\s*<\/script>)/, 'no inline scripts the CSP would block')
  const script = await app.inject({ method: 'GET', url: `${DOCS_PREFIX}/static/swagger-initializer.js` })
  t.equal(script.statusCode, 200)
  for (const url of ['/api/me', '/health', '/nowhere']) {
    const answer = await app.inject({ method: 'GET', url })
    t.equal(answer.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", `${url} keeps the API's CSP`)
  }
})

// JSON bodies must be UTF-8 (RFC 8259 §8.1). Fastify's own JSON parser decodes the body with
// invalid bytes replaced by U+FFFD, so two different byte strings could become one username or one
// password; this one refuses a body that is not valid UTF-8 with 400 AUTH_BAD_REQUEST, then parses
// it exactly as Fastify would (prototype poisoning still an error).
import { isUtf8 } from 'node:buffer'
import fp from 'fastify-plugin'
import { BadRequestError } from '../src/errors.js'

export default fp(async function jsonBodyPlugin (fastify) {
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser('application/json')
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, function parseUtf8Json (request, body, done) {
    const bytes = body as Buffer // parseAs: 'buffer'
    if (!isUtf8(bytes)) {
      done(new BadRequestError('The body is not valid UTF-8: send JSON encoded as UTF-8'), undefined)
      return
    }
    parseJson(request, bytes.toString('utf8'), done)
  })
}, { name: 'json-body' })

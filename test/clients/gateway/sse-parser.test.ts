// The event-stream parser follows WHATWG HTML §9.2.6: however the bytes are cut into chunks, the
// same events come out.
import t from 'tap'
import fc from 'fast-check'
import { SseParser, type ServerSentEvent } from '../../../clients/gateway/sse-parser.js'

interface Parsed { events: ServerSentEvent[], comments: string[], retries: number[] }

function parse (chunks: string[], lastEventId?: string): Parsed {
  const parsed: Parsed = { events: [], comments: [], retries: [] }
  const parser = new SseParser({
    onEvent: (event) => { parsed.events.push(event) },
    onComment: (text) => { parsed.comments.push(text) },
    onRetry: (ms) => { parsed.retries.push(ms) }
  }, { lastEventId })
  for (const chunk of chunks) parser.push(chunk)
  return parsed
}

t.test('fields, comments and dispatch', async (t) => {
  const { events, comments, retries } = parse([
    ': hello\n',
    'event: revoked\nid: 1\ndata: {"a":1}\n\n',
    'data: first\ndata:second\ndata\n\n',
    'event: ready\ndata: {}\n\n',
    'retry: 2500\nretry: soon\n',
    'id: 7\n\n',
    'event: keys\ndata:  two spaces\n\n'
  ])
  t.same(comments, [' hello'])
  t.same(retries, [2500], 'a retry that is not all digits is ignored')
  t.same(events, [
    { type: 'revoked', data: '{"a":1}', id: '1' },
    { type: 'message', data: 'first\nsecond\n', id: '1' },
    { type: 'ready', data: '{}', id: '1' },
    { type: 'keys', data: ' two spaces', id: '7' }
  ], 'the id persists, a data-less event is not dispatched but its id counts, one leading space is stripped')
})

t.test('an event without data is dropped with its type; an empty data line still dispatches', async (t) => {
  const { events } = parse(['event: reset\n\n', 'data\n\n', 'event: x\ndata:\n\n'])
  t.same(events, [{ type: 'message', data: '', id: '' }, { type: 'x', data: '', id: '' }])
})

t.test('CR, LF and CRLF end lines, also when a chunk ends between CR and LF', async (t) => {
  const { events } = parse(['event: a\rdata: 1\r', '\n\r\n', 'event: b\r\ndata: 2\r', '\r', 'data: 3\n\n'])
  t.same(events, [{ type: 'a', data: '1', id: '' }, { type: 'b', data: '2', id: '' }, { type: 'message', data: '3', id: '' }])
})

t.test('a byte order mark at the start is skipped, an id holding NUL is ignored, unknown fields are ignored', async (t) => {
  const { events } = parse(['\ufeffid: a\n', 'id: b\0c\nfoo: bar\ndata: x\n\n'])
  t.same(events, [{ type: 'message', data: 'x', id: 'a' }])
})

t.test('the last event id given at construction is kept until an id field replaces it', async (t) => {
  const parser = new SseParser({ onEvent: () => {} }, { lastEventId: '41' })
  parser.push('data: x\n\n')
  t.equal(parser.lastId, '41')
  parser.push('id: 42\ndata: y\n\n')
  t.equal(parser.lastId, '42')
})

t.test('a line or event past the size limit throws instead of growing', async (t) => {
  const parser = new SseParser({ onEvent: () => {} }, { maxEventBytes: 64 })
  t.throws(() => { parser.push('data: ' + 'x'.repeat(100)) }, { name: 'SseParseError' }, 'an unterminated line')
  const other = new SseParser({ onEvent: () => {} }, { maxEventBytes: 64 })
  t.throws(() => { for (let i = 0; i < 10; i++) other.push('data: ' + 'x'.repeat(10) + '\n') }, { name: 'SseParseError' }, 'many data lines of one event')
})

t.test('any chunking of a stream yields the same events', async (t) => {
  const line = fc.oneof(
    fc.constantFrom('', ': c', 'event: revoked', 'event: ready', 'data', 'retry: 10'),
    fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '{', '"'), maxLength: 8 }).map((value) => `data: ${value}`),
    fc.nat(50).map((n) => `id: ${n}`)
  )
  const stream = fc.tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r', '\r\n')).map(([lines, eol]) => lines.map((l) => l + eol).join('') + eol)
  fc.assert(fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), (text, cuts) => {
    const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b)
    const chunks: string[] = []
    let from = 0
    for (const point of points) { chunks.push(text.slice(from, point)); from = point }
    chunks.push(text.slice(from))
    t.same(parse(chunks), parse([text]))
  }), { numRuns: 300 })
})

// The strict text-format parser the metrics tests read /metrics with (test/helpers/prometheus-text.ts)
// must refuse what Prometheus refuses, or those tests would pass on a broken exposition.
import t from 'tap'
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js'

const VALID = [
  '# HELP rotor_logins_total Login attempts by result',
  '# TYPE rotor_logins_total counter',
  'rotor_logins_total{result="ok"} 3',
  'rotor_logins_total{result="wrong \\"quoted\\" \\\\ \\n"} 1.5e0',
  '# TYPE up gauge',
  'up 1 1700000000000',
  '# TYPE lag gauge',
  'lag Nan',
  '# TYPE d histogram',
  'd_bucket{op="a",le="0.1"} 1',
  'd_bucket{op="a",le="+Inf"} 2',
  'd_sum{op="a"} 0.3',
  'd_count{op="a"} 2',
  ''
].join('\n')

t.test('reads families, types, labels with escapes, values and timestamps', async (t) => {
  const families = parsePrometheusText(VALID)
  t.same([...families.keys()], ['rotor_logins_total', 'up', 'lag', 'd'])
  t.ok(Number.isNaN(sampleValue(families, 'lag')), 'NaN in any case, as Prometheus reads it')
  t.equal(families.get('rotor_logins_total')?.type, 'counter')
  t.equal(families.get('rotor_logins_total')?.help, 'Login attempts by result')
  t.equal(sampleValue(families, 'rotor_logins_total', { result: 'ok' }), 3)
  t.equal(sampleValue(families, 'rotor_logins_total', { result: 'wrong "quoted" \\ \n' }), 1.5)
  t.equal(sampleValue(families, 'd_count', { op: 'a' }), 2)
  t.throws(() => sampleValue(families, 'rotor_logins_total', { result: 'absent' }), /no series/)
})

t.test('refuses what the format forbids', async (t) => {
  const refused: Record<string, string> = {
    'no final line feed': 'up 1',
    'a bad metric name': '0up 1\n',
    'a bad label name': 'up{0a="x"} 1\n',
    'an unquoted label value': 'up{a=x} 1\n',
    'an unterminated label value': 'up{a="x} 1\n',
    'a bad escape': 'up{a="\\t"} 1\n',
    'a bad value': 'up one\n',
    'a bad timestamp': 'up 1 soon\n',
    'an unknown type': '# TYPE up meter\nup 1\n',
    'a TYPE after samples': 'up 1\n# TYPE up gauge\n',
    'a family in two runs': '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n',
    'a series twice': 'up{a="1",b="2"} 1\nup{b="2",a="1"} 1\n',
    'a label twice': 'up{a="1",a="2"} 1\n',
    'buckets not cumulative': '# TYPE d histogram\nd_bucket{le="1"} 2\nd_bucket{le="+Inf"} 1\nd_sum 1\nd_count 1\n',
    'no +Inf bucket': '# TYPE d histogram\nd_bucket{le="1"} 1\nd_sum 1\nd_count 1\n',
    '_count unlike +Inf': '# TYPE d histogram\nd_bucket{le="+Inf"} 2\nd_sum 1\nd_count 3\n'
  }
  for (const [what, text] of Object.entries(refused)) t.throws(() => parsePrometheusText(text), Error, what)
})

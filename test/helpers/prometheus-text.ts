// A strict parser of the Prometheus text exposition format (version 0.0.4), for tests that read
// GET /metrics. It throws on anything Prometheus would refuse or that the format forbids: a bad
// name, label or value, an unknown TYPE, a TYPE after the family's first sample, a family split
// into two runs, a series twice, a histogram whose buckets are not cumulative or lack +Inf.
// (No maintained npm parser of this format runs on Node 20; the format is small.)

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped'
  help: string | undefined
  samples: Sample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] }

// Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case (and
// prom-client writes "Nan").
function parseValue (raw: string, line: string): number {
  if (/^nan$/i.test(raw)) return NaN
  if (/^\+?inf(inity)?$/i.test(raw)) return Infinity
  if (/^-inf(inity)?$/i.test(raw)) return -Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) throw new Error(`not a sample value: ${JSON.stringify(raw)} in ${line}`)
  return Number(raw)
}

function unescape (text: string, quotes: boolean): string {
  return text.replace(quotes ? /\\(["\\n])/g : /\\([\\n])/g, (_match, c: string) => (c === 'n' ? '\n' : c))
}

/** Reads `{a="x",b="y"}` from `text` at `at` (just past the `{`); returns the labels and where they end. */
function parseLabels (text: string, at: number, line: string): { labels: Record<string, string>, end: number } {
  const labels: Record<string, string> = {}
  let i = at
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 }
    const eq = text.indexOf('=', i)
    const name = text.slice(i, eq)
    if (eq < 0 || !LABEL_NAME.test(name)) throw new Error(`bad label name ${JSON.stringify(name)} in ${line}`)
    if (name in labels) throw new Error(`label ${name} twice in ${line}`)
    if (text[eq + 1] !== '"') throw new Error(`label value not quoted in ${line}`)
    let j = eq + 2
    let raw = ''
    while (text[j] !== '"') {
      if (j >= text.length) throw new Error(`unterminated label value in ${line}`)
      if (text[j] === '\\') {
        if (!['\\', '"', 'n'].includes(text[j + 1] ?? '')) throw new Error(`bad escape in label value in ${line}`)
        raw += text.slice(j, j + 2)
        j += 2
      } else {
        raw += text[j]
        j += 1
      }
    }
    labels[name] = unescape(raw, true)
    i = j + 1
    if (text[i] === ',') i += 1
    else if (text[i] !== '}') throw new Error(`expected , or } after a label in ${line}`)
  }
}

function familyOf (sampleName: string, families: Map<string, MetricFamily>): string {
  for (const [name, family] of families) {
    if (sampleName === name && family.type !== 'histogram') return name
    if ((SUFFIXES[family.type] ?? []).some((suffix) => sampleName === name + suffix)) return name
  }
  return sampleName
}

function checkHistogram (family: MetricFamily): void {
  const series = new Map<string, Sample[]>()
  for (const sample of family.samples.filter((s) => s.name.endsWith('_bucket'))) {
    const { le, ...rest } = sample.labels
    if (le === undefined) throw new Error(`${family.name}: a bucket without le`)
    const key = JSON.stringify(rest)
    series.set(key, [...(series.get(key) ?? []), sample])
  }
  for (const [key, buckets] of series) {
    const sorted = [...buckets].sort((a, b) => parseValue(a.labels.le as string, '') - parseValue(b.labels.le as string, ''))
    sorted.forEach((bucket, i) => {
      if (i > 0 && bucket.value < (sorted[i - 1] as Sample).value) throw new Error(`${family.name}${key}: buckets are not cumulative`)
    })
    const inf = sorted.at(-1)
    if (inf?.labels.le !== '+Inf') throw new Error(`${family.name}${key}: no le="+Inf" bucket`)
    const count = family.samples.find((s) => s.name === `${family.name}_count` && JSON.stringify({ ...s.labels }) === key)
    if (count === undefined || count.value !== inf.value) throw new Error(`${family.name}${key}: _count differs from the +Inf bucket`)
  }
}

export function parsePrometheusText (text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>()
  const closed = new Set<string>()
  const seen = new Set<string>()
  let current: string | undefined
  const enter = (name: string): MetricFamily => {
    if (current !== name) {
      if (closed.has(name)) throw new Error(`family ${name} appears in two separate runs`)
      if (current !== undefined) closed.add(current)
      current = name
    }
    let family = families.get(name)
    if (family === undefined) {
      family = { name, type: 'untyped', help: undefined, samples: [] }
      families.set(name, family)
    }
    return family
  }
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a line feed')
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const meta = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line)
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in ${line}`)
      const family = enter(name)
      if (kind === 'HELP') {
        if (family.help !== undefined) throw new Error(`HELP twice for ${name}`)
        family.help = unescape(rest, false)
      } else {
        if (!TYPES.has(rest)) throw new Error(`unknown TYPE in ${line}`)
        if (family.samples.length > 0 || family.type !== 'untyped') throw new Error(`TYPE of ${name} after its samples or twice`)
        family.type = rest as MetricFamily['type']
      }
      continue
    }
    if (line.startsWith('#')) continue
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)
    if (nameMatch === null) throw new Error(`not a sample: ${line}`)
    const name = nameMatch[0]
    let at = name.length
    let labels: Record<string, string> = {}
    if (line[at] === '{') ({ labels, end: at } = parseLabels(line, at + 1, line))
    const fields = line.slice(at).trim().split(/\s+/)
    if (line[at] !== ' ' || fields.length < 1 || fields.length > 2) throw new Error(`bad sample line: ${line}`)
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`bad timestamp in ${line}`)
    const family = enter(familyOf(name, families))
    const series = name + JSON.stringify(Object.entries(labels).sort())
    if (seen.has(series)) throw new Error(`series twice: ${line}`)
    seen.add(series)
    family.samples.push({ name, labels, value: parseValue(fields[0] as string, line) })
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family)
  return families
}

/** The value of the one series `name{labels}` (exactly those labels); throws when it is absent. */
export function sampleValue (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  const want = JSON.stringify(Object.entries(labels).sort())
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === want) return sample.value
    }
  }
  throw new Error(`no series ${name}${JSON.stringify(labels)}`)
}

// The figures of a run: one row per scenario (and algorithm), printed as a table on stdout and
// written to bench/results.json with the raw rounds behind each median.
import { writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './children.js'
import { roundSpread, type Summary } from './rounds.js'

export interface Figures {
  /** What `value` counts: 'req/s', 'B/session', 'RT/refresh'. */
  unit: string
  value: number
  /** Milliseconds, when the figure comes from a load. */
  p50?: number
  p99?: number
}

export interface Row {
  scenario: string
  alg: string
  subject: Figures
  baselineName: string
  baseline?: Figures
  /** subject ÷ baseline of the compared quantity (req/s, or p99 for login + verify). */
  ratio: number
  /** For example '≥ 0.85 × bare'. */
  target: string
  met: boolean | null
  /** Failed requests (non-2xx, errors, timeouts) in the subject's measured rounds. */
  failed: number
  notes: string[]
  rounds?: { subject: Summary, baseline?: Summary }
  /**
   * Largest share by which one round's ratio strays from the median ratio (rounds.ts, roundSpread);
   * computed from `rounds` (of req/s) when left out.
   */
  spread?: number
}

/** Past this spread of its rounds' ratios, a row's verdict is "noisy", not yes or no. */
export const NOISY_SPREAD = 0.15

const rows: Row[] = []
const notes: string[] = []

export function addRow (row: Row): void {
  const { subject, baseline } = row.rounds ?? {}
  if (row.spread === undefined && subject !== undefined && baseline !== undefined) row.spread = roundSpread(subject, baseline)
  rows.push(row)
}

function isNoisy (row: Row): boolean {
  return row.met !== null && row.spread !== undefined && !(row.spread <= NOISY_SPREAD)
}

function verdict (row: Row): string {
  if (row.met === null) return '—'
  if (isNoisy(row)) return 'noisy'
  return row.met ? (row.failed > 0 ? 'yes*' : 'yes') : 'NO'
}

/** "3 × 2.5 s": the interleaved rounds behind a ratio. */
function roundsCell (row: Row): string {
  const { subject, baseline } = row.rounds ?? {}
  if (subject === undefined || baseline === undefined) return '—'
  const seconds = subject.rounds[0]?.seconds
  const spread = row.spread === undefined || Number.isNaN(row.spread) ? '' : ` ±${Math.round(row.spread * 100)}%`
  return `${subject.rounds.length} × ${seconds === undefined ? '?' : Number(seconds.toFixed(1))} s${spread}`
}
export function addNote (note: string): void { notes.push(note) }

function number (value: number | undefined, digits = 0): string {
  if (value === undefined || Number.isNaN(value)) return '—'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

function figure (figures: Figures | undefined): string {
  if (figures === undefined) return '—'
  const digits = figures.unit === 'req/s' || figures.unit === 'B/session' ? 0 : 2
  return `${number(figures.value, digits)} ${figures.unit}`
}

function table (): string {
  const header = ['scenario', 'alg', 'result', 'p50 ms', 'p99 ms', 'baseline', 'baseline result', 'base p99', 'ratio', 'rounds', 'target', 'met']
  const body = rows.map((row) => [
    row.scenario,
    row.alg,
    figure(row.subject),
    number(row.subject.p50, 2),
    number(row.subject.p99, 2),
    row.baselineName,
    figure(row.baseline),
    number(row.baseline?.p99, 2),
    number(row.ratio, 2),
    roundsCell(row),
    row.target,
    verdict(row)
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] as string).length)))
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd()
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}

export async function finish (meta: Record<string, unknown>): Promise<void> {
  const failedRows = rows.filter((row) => row.failed > 0)
  const lines = [
    'Ratios compare two sides measured in this run, in interleaved rounds (A B, B A, …: a drift of the machine lands on both).',
    `"rounds": measured rounds per side × their length, and how far the rounds' ratios stray from their median; past ±${NOISY_SPREAD * 100}% the verdict is "noisy".`,
    '',
    table(),
    ''
  ]
  const noisy = rows.filter(isNoisy)
  if (noisy.length > 0) {
    const rounds = Math.max(...noisy.map((row) => row.rounds?.subject.rounds.length ?? 1))
    lines.push(`noisy: ${noisy.map((row) => `${row.scenario} (${row.alg})`).join(', ')}; rerun those with more rounds, e.g. \`npm run bench -- --only ${[...new Set(noisy.map((row) => row.scenario.replace(/ .*/, '')))].join(',')} --rounds ${rounds * 2}\`, on a quieter machine`)
  }
  for (const row of failedRows) lines.push(`* ${row.scenario} (${row.alg}): ${row.failed} failed requests in measured rounds`)
  for (const row of rows) for (const note of row.notes) lines.push(`- ${row.scenario} (${row.alg}): ${note}`)
  for (const note of notes) lines.push(`- ${note}`)
  process.stdout.write(lines.join('\n') + '\n')
  const results = {
    ...meta,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, platform: process.platform },
    rows,
    notes
  }
  await writeFile(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n')
  process.stdout.write('written to bench/results.json\n')
}

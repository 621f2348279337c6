// The figures of a run: one row per scenario (and algorithm), printed as a table on stdout and
// written to bench/results.json with the raw rounds behind each median.
import { writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './children.js'
import type { Summary } from './rounds.js'

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
}

const rows: Row[] = []
const notes: string[] = []

export function addRow (row: Row): void { rows.push(row) }
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
  const header = ['scenario', 'alg', 'result', 'p50 ms', 'p99 ms', 'baseline', 'baseline result', 'base p99', 'ratio', 'target', 'met']
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
    row.target,
    row.met === null ? '—' : row.met ? (row.failed > 0 ? 'yes*' : 'yes') : 'NO'
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] as string).length)))
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd()
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n')
}

export async function finish (meta: Record<string, unknown>): Promise<void> {
  const failedRows = rows.filter((row) => row.failed > 0)
  const lines = [table(), '']
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

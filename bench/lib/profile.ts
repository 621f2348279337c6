// Summaries of the V8 CPU profiles the server writes under `--cpu-prof` (node --cpu-prof): self time
// per package and per function, idle left out, so a run says where the server's time went.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  file: string
  /** Milliseconds of samples, idle excluded. */
  busyMs: number
  packages: Array<{ name: string, share: number }>
  functions: Array<{ name: string, share: number }>
}

/** Which code a frame belongs to: a package, Node itself, the server (rotor), or V8's own. */
function owner (url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (inModules !== null) return inModules[1] as string
  if (url.startsWith('node:')) return 'node (core)'
  if (/\/(src|plugins)\//.test(url)) return 'rotor'
  return url
}

function shortUrl (url: string): string {
  const inModules = /node_modules\/(.*)$/.exec(url)
  if (inModules !== null) return inModules[1] as string
  const inRepo = /\/((?:src|plugins|dist)\/.*)$/.exec(url)
  return inRepo !== null ? inRepo[1] as string : url
}

function top (totals: Map<string, number>, busy: number, count: number): Array<{ name: string, share: number }> {
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, time]) => ({ name, share: time / busy }))
}

export async function summariseProfile (file: string): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfTime = new Map<number, number>()
  profile.samples.forEach((id, index) => { selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)) })
  const packages = new Map<string, number>()
  const functions = new Map<string, number>()
  let busy = 0
  for (const [id, time] of selfTime) {
    const frame = byId.get(id)?.callFrame
    if (frame === undefined || frame.functionName === '(idle)') continue
    busy += time
    const pkg = owner(frame.url, frame.functionName)
    packages.set(pkg, (packages.get(pkg) ?? 0) + time)
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName} ${frame.url === '' ? '' : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`}`.trim()
    functions.set(name, (functions.get(name) ?? 0) + time)
  }
  return { file, busyMs: busy / 1000, packages: top(packages, busy, 12), functions: top(functions, busy, 20) }
}

export async function summariseProfiles (dir: string): Promise<ProfileSummary[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort()
  return await Promise.all(files.map(async (name) => await summariseProfile(join(dir, name))))
}

export function formatProfile (summary: ProfileSummary): string {
  const percent = (share: number): string => `${(share * 100).toFixed(1).padStart(5)}%`
  return [
    `${summary.file}: ${(summary.busyMs / 1000).toFixed(1)} s busy (idle left out), self time:`,
    '  by package:',
    ...summary.packages.map(({ name, share }) => `    ${percent(share)}  ${name}`),
    '  by function:',
    ...summary.functions.map(({ name, share }) => `    ${percent(share)}  ${name}`)
  ].join('\n')
}

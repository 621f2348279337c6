// What the bench reads off a redis-server: memory in use, per-command call counts, and the commands
// clients send (MONITOR), which tells round trips apart from the calls a Lua script makes inside.
import { Redis } from 'ioredis'

function infoField (info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info)
  if (match === null) throw new Error(`INFO has no ${field}`)
  return Number(match[1])
}

export async function usedMemory (redis: Redis): Promise<number> {
  return infoField(await redis.info('memory'), 'used_memory')
}

export async function keyCount (redis: Redis): Promise<number> {
  return await redis.dbsize()
}

/** `INFO commandstats` as command → calls (calls made inside scripts included, as Redis counts them). */
export async function commandCalls (redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>()
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1] as string, Number(match[2]))
  }
  return calls
}

export function callsDelta (before: Map<string, number>, after: Map<string, number>, ignore: string[] = ['info', 'monitor', 'ping']): Record<string, number> {
  const delta: Record<string, number> = {}
  for (const [command, count] of after) {
    const change = count - (before.get(command) ?? 0)
    if (change > 0 && !ignore.includes(command)) delta[command] = change
  }
  return delta
}

export interface ClientCommands {
  /** Commands sent by clients (round trips when nothing pipelines), per operation. */
  perOperation: number
  /** Command name → count per operation, e.g. { evalsha: 1 }. */
  byCommand: Record<string, number>
  operations: number
}

/**
 * Runs `operations()` (which performs and returns a number of operations) under MONITOR and counts
 * the commands clients sent, leaving out the calls Lua scripts made (source "lua") and the monitor's
 * own connection. Slow: MONITOR costs Redis a lot, so use it on a small sequential sample only.
 */
export async function countClientCommands (url: string, operations: () => Promise<number>): Promise<ClientCommands> {
  const monitor = await new Redis(url, { lazyConnect: true }).monitor()
  const counts: Record<string, number> = {}
  let total = 0
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === 'lua') return
    const command = String(args[0]).toLowerCase()
    counts[command] = (counts[command] ?? 0) + 1
    total++
  })
  // MONITOR starts streaming once Redis answers it; a PING through another client marks that point.
  const marker = new Redis(url)
  await marker.ping()
  await new Promise((resolve) => setTimeout(resolve, 100))
  const start = { ...counts }
  const startTotal = total
  const done = await operations()
  await marker.ping()
  await new Promise((resolve) => setTimeout(resolve, 200))
  marker.disconnect()
  monitor.disconnect()
  const byCommand: Record<string, number> = {}
  for (const [command, count] of Object.entries(counts)) {
    const change = count - (start[command] ?? 0) - (command === 'ping' ? 1 : 0)
    if (change > 0) byCommand[command] = change / done
  }
  return { perOperation: (total - startTotal - 1) / done, byCommand, operations: done }
}

// What the bench reads off a redis-server: memory in use, per-command call counts, and the commands
// clients send (MONITOR), which tells round trips apart from the calls a Lua script makes inside.
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'

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

/** A raw MONITOR connection (ioredis's monitor mode races with replies already on the wire). */
async function monitor (url: string, onCommand: (command: string, source: string, line: string) => void): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const socket = connect(Number(port), hostname)
  let buffered = ''
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1')
      let end: number
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        if (line === '+OK') { resolve(); continue }
        // +1700000000.123456 [0 127.0.0.1:51234] "evalsha" "…" …   (source "lua" for script calls)
        const match = /^\+\S+ \[\d+ ([^\]]+)\] "([^"]*)"/.exec(line)
        if (match !== null) onCommand((match[2] as string).toLowerCase(), match[1] as string, line)
      }
    })
    socket.write('MONITOR\r\n')
  })
  return socket
}

/**
 * Runs `operations()` (which performs and returns a number of operations) under MONITOR and counts
 * the commands clients sent, leaving out the calls Lua scripts made (source "lua") and every
 * command of a connection that makes blocking reads: the server's revocation follower waits for new
 * revocations on a connection of its own (XREAD BLOCK, renewed each time it times out), whatever
 * requests come. Slow: MONITOR costs Redis a lot, so use it on a small sequential sample only.
 */
export async function countClientCommands (url: string, operations: () => Promise<number>): Promise<ClientCommands> {
  let counting = false
  const counts: Record<string, number> = {}
  let total = 0
  const blocking = new Set<string>()
  const socket = await monitor(url, (command, source, line) => {
    if (command === 'xread' && /"block"/i.test(line)) blocking.add(source)
    if (!counting || source === 'lua' || blocking.has(source)) return
    counts[command] = (counts[command] ?? 0) + 1
    total++
  })
  // Let anything still in flight from an earlier load drain before counting starts.
  await sleep(200)
  counting = true
  const done = await operations()
  await sleep(200)
  counting = false
  socket.destroy()
  const byCommand: Record<string, number> = {}
  for (const [command, count] of Object.entries(counts)) byCommand[command] = count / done
  return { perOperation: total / done, byCommand, operations: done }
}

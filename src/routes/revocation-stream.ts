// One server-sent event stream of the revocation feed (docs/http-api.md, "Revocation feed";
// WHATWG HTML §9.2 for the format): catch-up, `ready`, then the follower's batches as they come.
import type { ServerResponse } from 'node:http'
import type { RevocationBatch } from '../domain/revocation-follower.js'
import type { Revocation } from '../store/types.js'

/**
 * Bytes a reader may leave unread before its stream is cut: a gateway that stopped reading would
 * otherwise hold every revocation in this process's memory. It reconnects with Last-Event-ID and
 * loses nothing.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024

const READY = 'event: ready\ndata: {}\n\n'
const RESET = 'event: reset\ndata: {}\n\n'
const KEYS = 'event: keys\ndata: {}\n\n'
const KEEP_ALIVE = ': keep-alive\n\n'

function revokedEvents (revocations: readonly Revocation[]): string {
  let text = ''
  // Field by field: the event carries exactly the contract's revocation, whatever else an object holds.
  for (const { id, sid, sub, reason, at, until } of revocations) {
    text += `event: revoked\nid: ${id}\ndata: ${JSON.stringify({ id, sid, sub, reason, at, until })}\n\n`
  }
  return text
}

/**
 * Subscribed to the follower before the catch-up is read (so nothing falls between the two), it
 * holds what comes until ready(), then writes as things come. The response's head is written by
 * the route before the first catchUp().
 */
export class RevocationStream {
  readonly #response: ServerResponse
  /** Revocations up to this cursor went out with the catch-up; the follower may bring them again. */
  #caughtUpTo = ''
  #pending: Array<RevocationBatch | 'keys'> | undefined = []

  constructor (response: ServerResponse) {
    this.#response = response
  }

  get closed (): boolean {
    return this.#response.destroyed || this.#response.writableEnded
  }

  /** Writes one page of the catch-up (`reset` first when the reader's cursor was too old). */
  catchUp (page: { reset: boolean, revocations: readonly Revocation[] }): void {
    this.#write((page.reset ? RESET : '') + revokedEvents(page.revocations))
  }

  /**
   * The catch-up has been written up to `cursor`: writes what came meanwhile and `ready`; batches
   * are written as they come from now on.
   */
  ready (cursor: string): void {
    this.#caughtUpTo = cursor
    let text = ''
    for (const item of this.#pending ?? []) text += item === 'keys' ? KEYS : this.#batchText(item)
    this.#pending = undefined
    this.#write(text + READY)
  }

  /** A batch from the follower. */
  deliver (batch: RevocationBatch): void {
    if (this.#pending !== undefined) this.#pending.push(batch)
    else this.#write(this.#batchText(batch))
  }

  /** The server's keys changed: readers fetch the JWKS again. */
  keysChanged (): void {
    if (this.#pending !== undefined) this.#pending.push('keys')
    else this.#write(KEYS)
  }

  /** A comment line: keeps proxies and readers from taking a quiet stream for a dead one. */
  keepAlive (): void {
    if (this.#pending === undefined) this.#write(KEEP_ALIVE)
  }

  /** Ends the response cleanly (the reader reconnects, to this instance or another). */
  end (): void {
    if (!this.closed) this.#response.end()
  }

  #batchText (batch: RevocationBatch): string {
    if (batch.reset) return RESET + revokedEvents(batch.revocations)
    return revokedEvents(batch.revocations.filter((revocation) => revocation.id > this.#caughtUpTo))
  }

  #write (text: string): void {
    if (text === '' || this.closed) return
    if (this.#response.writableLength > MAX_UNREAD_BYTES) {
      this.#response.destroy()
      return
    }
    this.#response.write(text)
  }
}

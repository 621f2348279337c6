// Tabs of one origin share one session (one refresh cookie), so they take turns refreshing and tell
// each other the outcome: a Web Lock serialises refreshes across tabs, and a BroadcastChannel carries
// the new access token (or the session's end) to every other tab. The token travels only between
// live pages of this origin, never through storage.

/**
 * What one tab tells the others. Times are in ms of Date.now(), which all tabs share; `since` is when
 * the request that found the session over was sent.
 */
export type TabMessage =
  | { type: 'token', token: string, expiresAt: number, lifetime: number }
  | { type: 'end', reason: string, since: number }

/** Posted by a tab as it lets go of the lock, after whatever it had to tell. */
interface LockReleased { type: 'released' }

export interface TabSync {
  /**
   * Runs `task` while this tab holds the origin-wide lock, after the news of the tab that held it
   * before. A tab that does not get the lock within the wait runs `task` anyway: a lock can hang
   * (a frozen tab, a stalled request), and refreshing twice is safe where the server's reuse grace
   * window covers it.
   */
  exclusive<T> (task: () => Promise<T>): Promise<T>
  post (message: TabMessage): void
  close (): void
}

/** How long a tab that waited for the lock waits for its last holder's news (a holder that crashed sends none). */
const NEWS_WAIT_MS = 2000

export function createTabSync (name: string, lockWaitMs: number, receive: (message: TabMessage) => void): TabSync {
  // Both APIs are missing outside secure contexts and in old browsers: each tab then refreshes alone.
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : undefined
  let releases = 0
  let wake: (() => void) | undefined

  if (channel !== undefined) {
    channel.onmessage = (event: MessageEvent<TabMessage | LockReleased>) => {
      if (event.data.type !== 'released') receive(event.data)
      else {
        releases++
        wake?.()
      }
    }
  }

  async function holding<T> (task: () => Promise<T>): Promise<T> {
    try {
      return await task()
    } finally {
      releases++
      channel?.postMessage({ type: 'released' } satisfies LockReleased)
    }
  }

  // A lock grant and a channel message travel apart and may arrive in either order; one channel
  // keeps its messages in order, so once the holder's "released" is here, its token is here too.
  async function newsSince (seen: number): Promise<void> {
    if (releases > seen || channel === undefined) return
    await new Promise<void>((resolve) => {
      wake = resolve
      setTimeout(resolve, NEWS_WAIT_MS)
    })
    wake = undefined
  }

  return {
    async exclusive (task) {
      const locks = typeof navigator === 'object' ? navigator.locks : undefined
      if (locks === undefined) return await task()
      const seen = releases
      let started = false
      try {
        const free = await locks.request(name, { ifAvailable: true }, async (lock) => {
          if (lock === null) return undefined
          started = true
          return { result: await holding(task) }
        })
        if (free !== undefined) return free.result
        return await locks.request(name, { signal: AbortSignal.timeout(lockWaitMs) }, async () => {
          started = true
          await newsSince(seen)
          return await holding(task)
        })
      } catch (error) {
        // Only the wait ended: the task never ran, so it runs now, without the lock.
        if (started) throw error
        return await task()
      }
    },
    post (message) {
      channel?.postMessage(message)
    },
    close () {
      channel?.close()
    }
  }
}

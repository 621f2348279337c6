// Every store call answers or rejects within `timeoutMs`, whatever state ioredis is in (the Cluster
// client's offline queue has no timeout of its own), and a mutating script that reaches Redis after
// its caller gave up changes nothing: its deadline falls inside the client's timeout.
import { toStoreError } from './errors.js'

export interface BoundedCalls {
  /** Runs `operation`; rejects with StoreUnavailableError when Redis has not answered in time. */
  call: <T>(operation: () => Promise<T>) => Promise<T>
  /** Now plus three quarters of the timeout: what a mutating script is given as its deadline. */
  deadline: () => number
}

/** Bounds calls by `timeoutMs`. */
export function boundedCalls (timeoutMs: number): BoundedCalls {
  // The rest of the budget leaves time for the reply to come back: a script that starts after the
  // deadline answers ROTOR_STALE instead of spending a token whose caller already got a 503.
  const deadlineBudgetMs = Math.round(timeoutMs * 0.75)

  async function call<T> (operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`no answer from Redis within ${timeoutMs} ms`)) }, timeoutMs)
    })
    try {
      return await Promise.race([operation(), timeout])
    } catch (error) {
      throw toStoreError(error)
    } finally {
      clearTimeout(timer)
    }
  }

  return { call, deadline: () => Date.now() + deadlineBudgetMs }
}

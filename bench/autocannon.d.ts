// The part of autocannon 8's programmatic API the bench uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request | null
      onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void
    }

    interface Client extends EventEmitter {
      setRequests (requests: Request[]): void
    }

    interface Options extends Request {
      url: string
      connections?: number
      duration?: number
      amount?: number
      sampleInt?: number
      timeout?: number
      pipelining?: number
      requests?: Request[]
      setupClient?: (client: Client) => void
    }

    interface Result {
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      statusCodeStats: Record<string, { count: number }>
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop (): void
    }
  }

  function autocannon (options: autocannon.Options): autocannon.Instance
  export = autocannon
}

// The loads, as targets for interleaved rounds. A server and its baseline are always driven by the
// same target kind, so the load generator does the same work on both sides of a ratio.
import { spawn, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import type autocannon from 'autocannon'
import { runLoad, type LoadResult } from './load.js'
import type { Target } from './rounds.js'
import { onCleanup, ROOT } from './children.js'
import { PASSWORD, type HeldSession } from './client.js'

const BODY_HEADERS = { 'content-type': 'application/json', 'x-token-transport': 'body' }

/** GET /api/me with one bearer token, again and again (a gateway's steady state); `signal` ends it early. */
export function verifyHot (name: string, url: string, token: string, connections: number, signal?: AbortSignal): Target {
  return {
    name,
    run: async (seconds, onTick) => await runLoad({
      url, connections, duration: seconds, path: '/api/me', headers: { authorization: `Bearer ${token}` }, onTick, signal
    })
  }
}

/** GET /api/me cycling through `tokens`, each connection taking the next one for every request. */
export function verifyCold (name: string, url: string, tokens: string[], connections: number): Target {
  return {
    name,
    run: async (seconds, onTick) => {
      let next = Math.floor(Math.random() * tokens.length)
      return await runLoad({
        url,
        connections,
        duration: seconds,
        path: '/api/me',
        onTick,
        setupClient: (client) => {
          client.setRequests([{
            method: 'GET',
            path: '/api/me',
            setupRequest: (request) => {
              request.headers = { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length] as string}` }
              return request
            }
          }])
        }
      })
    }
  }
}

/**
 * Per-connection refresh chains, body transport: connection i owns sessions[i], and every request
 * presents the refresh token its predecessor returned. The sessions are updated in place, so later
 * loads continue the same chains. `onAccessToken` sees every access token issued.
 */
export function refreshChainClients (sessions: HeldSession[], onAccessToken?: (token: string) => void): (client: autocannon.Client, index: number) => void {
  return (client, index) => {
    const session = sessions[index % sessions.length] as HeldSession
    client.setRequests([{
      method: 'POST',
      path: '/auth/refresh',
      headers: BODY_HEADERS,
      setupRequest: (request) => {
        request.body = `{"refreshToken":"${session.refreshToken}"}`
        return request
      },
      onResponse: (status, body) => {
        if (status !== 200) return
        const answer = JSON.parse(body) as { refreshToken?: string, accessToken?: string }
        if (typeof answer.refreshToken === 'string') session.refreshToken = answer.refreshToken
        if (typeof answer.accessToken === 'string') onAccessToken?.(answer.accessToken)
      }
    }])
  }
}

/** POST /auth/refresh on `sessions.length` connections, each continuing its session's chain. */
export function refreshChains (name: string, url: string, sessions: HeldSession[]): Target {
  return {
    name,
    run: async (seconds, onTick) => await runLoad({
      url,
      connections: sessions.length,
      duration: seconds,
      method: 'POST',
      path: '/auth/refresh',
      onTick,
      setupClient: refreshChainClients(sessions)
    })
  }
}

/** POST /auth/login with valid credentials, connection i as usernames[i]. */
export function logins (name: string, url: string, usernames: string[], connections: number): Target {
  return {
    name,
    run: async (seconds, onTick) => await runLoad({
      url,
      connections,
      duration: seconds,
      method: 'POST',
      path: '/auth/login',
      onTick,
      setupClient: (client, index) => {
        const username = usernames[index % usernames.length] as string
        client.setRequests([{ method: 'POST', path: '/auth/login', headers: BODY_HEADERS, body: JSON.stringify({ username, password: PASSWORD }) }])
      }
    })
  }
}

/**
 * The raw argon2id verify rate, from one child process (bench/baselines/argon2.ts) started on the
 * first round and kept for the others, so it is as warm as the server in every round.
 */
export function argon2Rate (name: string): Target {
  let child: ChildProcess | undefined
  const ask = async (seconds: number): Promise<Record<string, unknown>> => await new Promise((resolve, reject) => {
    const running = child as ChildProcess
    const onExit = (code: number | null): void => { reject(new Error(`argon2 baseline exited with ${code}`)) }
    running.once('exit', onExit)
    running.once('message', (message: Record<string, unknown>) => {
      running.off('exit', onExit)
      if (typeof message.error === 'string') reject(new Error(`argon2 baseline: ${message.error}`))
      else resolve(message)
    })
    if (seconds > 0) running.send({ seconds })
  })
  return {
    name,
    run: async (seconds) => {
      if (child === undefined) {
        child = spawn(process.execPath, ['dist/bench/baselines/argon2.js'], {
          cwd: ROOT,
          // One hashing thread per core, as the server runs them (src/runtime/password-threads.ts).
          env: { ...process.env, BENCH_THREADS: String(availableParallelism()) },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc']
        })
        const started = child
        onCleanup(async () => { started.kill('SIGKILL') })
        await ask(0) // its { ready } once it has hashed and verified once
      }
      const measured = await ask(seconds) as { rate: number, p50: number, p99: number, count: number, seconds: number }
      return { rps: measured.rate, p50: measured.p50, p99: measured.p99, ok: measured.count, failed: 0, statusCodes: {}, seconds: measured.seconds }
    }
  }
}

/** Runs `main` and `beside` at once; the round's figures are main's, beside's are kept in `besideResults`. */
export function alongside (name: string, main: Target, beside: Target): Target & { besideResults: LoadResult[] } {
  const besideResults: LoadResult[] = []
  return {
    name,
    besideResults,
    run: async (seconds, onTick) => {
      const [mainResult, besideResult] = await Promise.all([main.run(seconds, onTick), beside.run(seconds, () => {})])
      besideResults.push(besideResult)
      return mainResult
    }
  }
}

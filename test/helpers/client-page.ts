// Opens test/helpers/client-page/index.html (one browser client, restoring its session on load)
// and types what that page puts on globalThis, for the functions tests run in it.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import type { StaticFile } from '../../examples/spa/spa-server.js'
import { BROWSER_STEP_TIMEOUT_MS } from './chromium.js'
import { REPO_ROOT } from './server-process.js'

/** The part of the client's API the tests call (clients/browser/client.ts). */
interface PageClient {
  login (username: string, password: string): Promise<void>
  logout (): Promise<void>
  logoutAll (): Promise<void>
  fetch (input: string, init?: RequestInit): Promise<Response>
  getAccessToken (): Promise<string | null>
}

export interface PageRecord {
  sessionEnds: Array<{ reason: string, at: number }>
  tokens: Array<string | null>
  /** What getAccessToken() gave when the page loaded; undefined until it answered. */
  restored: string | null | undefined
}

export interface ReadableStorage {
  localStorage: Array<[string, string]>
  sessionStorage: Array<[string, string]>
  cookie: string
  indexedDB: Array<string | undefined>
  caches: string[]
}

declare global {
  // Set by client-page/page.js; only ever read inside page.evaluate().
  var rotorTest: {
    rotor: PageClient
    record: PageRecord
    locks: { hold (name: string): void, isHeld (name: string): Promise<boolean> }
    readableStorage (): Promise<ReadableStorage>
    comeBack (eventName: 'visibilitychange' | 'pageshow'): void
    ping (): Promise<number>
  }
}

const PAGE_DIR = join(REPO_ROOT, 'test', 'helpers', 'client-page')

export async function clientPageFiles (): Promise<Record<string, StaticFile>> {
  return {
    '/index.html': { body: await readFile(join(PAGE_DIR, 'index.html')), type: 'text/html; charset=utf-8' },
    '/page.js': { body: await readFile(join(PAGE_DIR, 'page.js')), type: 'text/javascript' }
  }
}

/** A new tab on the test page, once the client has tried to restore the session. */
export async function openClientPage (context: BrowserContext, origin: string, query = ''): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${origin}/${query}`)
  await waitUntilRestored(page)
  return page
}

export async function waitUntilRestored (page: Page): Promise<void> {
  await page.waitForFunction(() => globalThis.rotorTest?.record.restored !== undefined)
}

export async function record (page: Page): Promise<PageRecord> {
  return await page.evaluate(() => globalThis.rotorTest.record)
}

/** The client's current access token (refreshing first if it thinks one is due). */
export async function accessToken (page: Page): Promise<string | null> {
  return await page.evaluate(() => globalThis.rotorTest.rotor.getAccessToken())
}

/** Resolves once `condition` holds, checking every 50 ms; rejects naming `what` after `timeoutMs`. */
export async function waitFor (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = BROWSER_STEP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function login (page: Page, username: string, password: string): Promise<void> {
  await page.evaluate((account) => globalThis.rotorTest.rotor.login(account.username, account.password), { username, password })
}

/** The page's latest access token (null after a session end; undefined before any). */
export async function lastToken (page: Page): Promise<string | null | undefined> {
  return (await record(page)).tokens.at(-1)
}

/**
 * Installs a clock the test moves on `context`, opens a tab in it and logs `username` in. Rotor's
 * ACCESS_TOKEN_TTL should be long enough that no refresh falls due unless the test moves the clock.
 */
export async function loggedInTab (context: BrowserContext, origin: string, username: string, password: string): Promise<Page> {
  await context.clock.install()
  const page = await openClientPage(context, origin)
  await login(page, username, password)
  return page
}

/** Moves the context's clock `ttlSeconds` on, past the token's refresh time, and waits for the token that brings. */
export async function refreshNow (context: BrowserContext, page: Page, ttlSeconds: number): Promise<string> {
  const old = await lastToken(page)
  await context.clock.fastForward(ttlSeconds * 1000)
  let next: string | null | undefined
  await waitFor('a new token', async () => {
    next = await lastToken(page)
    return typeof next === 'string' && next !== old
  })
  return next as string
}

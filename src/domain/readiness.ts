// Readiness: an instance is ready to take traffic while its store answers; without the store every
// /auth route would answer 503.
import type { AuthStore } from '../store/types.js'

export async function storeIsReady (store: Pick<AuthStore, 'ping'>): Promise<boolean> {
  try {
    await store.ping()
    return true
  } catch {
    return false
  }
}

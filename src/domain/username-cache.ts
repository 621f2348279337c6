// Usernames by user id, remembered per process. A username never changes, so an entry never goes
// stale; without it every GET /api/me would cost a store round trip (and fail while the store is
// down) to read a value that cannot change.
import { TokenInvalidError } from '../errors.js'
import type { AuthStore } from '../store/types.js'

/** Usernames remembered per process. */
export const USERNAME_CACHE_SIZE = 50_000

export interface UsernameCache {
  /** The username of `userId` when already known: no store call, no promise. */
  known (userId: string): string | undefined
  /** Reads the username from the store and remembers it; TokenInvalidError when the user is gone. */
  lookUp (userId: string): Promise<string>
}

export function createUsernameCache (store: Pick<AuthStore, 'findUserById'>, size = USERNAME_CACHE_SIZE): UsernameCache {
  const usernames = new Map<string, string>()
  return {
    known: (userId) => usernames.get(userId),
    async lookUp (userId) {
      const user = await store.findUserById(userId)
      if (user === null) throw new TokenInvalidError()
      // Oldest first out: a Map keeps insertion order.
      if (usernames.size >= size) usernames.delete(usernames.keys().next().value as string)
      usernames.set(userId, user.username)
      return user.username
    }
  }
}

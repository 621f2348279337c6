// Accounts of the embedded store. They never expire and are never evicted: past maxUsers,
// registering fails instead of silently dropping someone's account.
import type { UserRecord } from '../types.js'

export class MemoryStoreFullError extends Error {
  constructor (what: string, limit: number) {
    super(`The embedded store holds its maximum of ${limit} ${what}: raise the limit or use Redis`)
    this.name = 'MemoryStoreFullError'
  }
}

export class AccountTable {
  private readonly users = new Map<string, UserRecord>()
  private readonly userIdByName = new Map<string, string>()

  constructor (private readonly maxUsers: number) {}

  get size (): number { return this.users.size }

  create (user: UserRecord): 'created' | 'taken' {
    if (this.userIdByName.has(user.username)) return 'taken'
    if (this.users.size >= this.maxUsers) throw new MemoryStoreFullError('accounts', this.maxUsers)
    this.users.set(user.id, { ...user })
    this.userIdByName.set(user.username, user.id)
    return 'created'
  }

  /** A copy, so a caller cannot change the stored account by accident. */
  findById (userId: string): UserRecord | null {
    const user = this.users.get(userId)
    return user === undefined ? null : { ...user }
  }

  findByUsername (username: string): UserRecord | null {
    const userId = this.userIdByName.get(username)
    return userId === undefined ? null : this.findById(userId)
  }

  /** Replaces the hash if it still is `previousPasswordHash`; false (nothing changed) otherwise. */
  replacePasswordHash (userId: string, previousPasswordHash: string, passwordHash: string): boolean {
    const user = this.users.get(userId)
    if (user === undefined || user.passwordHash !== previousPasswordHash) return false
    user.passwordHash = passwordHash
    return true
  }
}

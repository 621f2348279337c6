// Accounts: the account hash under the user's hash tag and the username claim in a slot of its own.
// createUser (claim, write, confirm) and findUserByUsername (name, then account) therefore take
// several round trips: no script can span both slots on Cluster. A claim a crash leaves behind
// expires instead of holding the name forever.
import { sessionKeyPrefix, userKey, usernameKey } from '../redis-keys.js'
import type { AuthStore, UserRecord } from '../types.js'
import type { RedisContext } from './context.js'
import type { RevocationSink } from './revocation-sink.js'

/** How long a username claim lives before createUser confirms it (a crash leaves it reclaimable). */
const CLAIM_TTL_MS = 30_000

export type AccountMethods = Pick<AuthStore, 'createUser' | 'findUserByUsername' | 'findUserById' | 'changePassword'>

/** `revocations` takes the revocations of the sessions a password change ends. */
export function accountMethods ({ client, prefix, scripts, call, deadline }: RedisContext, revocations: RevocationSink): AccountMethods {
  async function findUserById (userId: string): Promise<UserRecord | null> {
    // Named fields only: the same hash holds one index field per session (src/store/lua/lib/session-record.lua).
    const [username, passwordHash, createdAt] = await call(() => client.hmget(userKey(prefix, userId), 'username', 'passwordHash', 'createdAt'))
    if (username === null || username === undefined || passwordHash === null || passwordHash === undefined) return null
    return { id: userId, username, passwordHash, createdAt: Number(createdAt) }
  }

  return {
    async createUser (user) {
      const nameKey = usernameKey(prefix, user.username)
      const claimed = await call(() => client.set(nameKey, user.id, 'PX', CLAIM_TTL_MS, 'NX'))
      if (claimed === null) return 'taken'
      const accountKey = userKey(prefix, user.id)
      await call(() => client.hset(accountKey, 'username', user.username, 'passwordHash', user.passwordHash, 'createdAt', user.createdAt))
      const confirmed = await call(() => scripts.confirmUsername(nameKey, user.id, deadline()))
      if (confirmed === 1) return 'created'
      // The claim expired before the confirmation and someone else holds the name now.
      await call(() => client.del(accountKey))
      return 'taken'
    },

    async findUserByUsername (username) {
      const userId = await call(() => client.get(usernameKey(prefix, username)))
      return userId === null ? null : await findUserById(userId)
    },

    findUserById,

    async changePassword ({ userId, previousPasswordHash, passwordHash, keepSessionId, now }) {
      const reply = await call(() => scripts.changePassword(
        userKey(prefix, userId), sessionKeyPrefix(prefix, userId), revocations.keyFor(userId),
        userId, previousPasswordHash, passwordHash, keepSessionId ?? '', now, ...revocations.args, deadline())) as unknown[]
      await revocations.settle(userId, reply, 1)
      return Number(reply[0])
    }
  }
}

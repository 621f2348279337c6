// Where the scripts that end sessions put their revocations (lua/lib/revocations.lua): on standalone
// Redis the feed itself, in the same atomic script, so an ending call stays one round trip; on
// Cluster, where the feed lies in another slot, the outbox of the user's slot, which the server
// publishes into the feed before the call resolves (./revocation-outbox.ts).
import { revocationFeedKey } from '../redis-keys.js'
import { REVOCATION_TRIM_MARGIN_MS, revocationUntilOffset } from '../revocation-ids.js'
import type { RedisContext } from './context.js'
import { revocationOutbox, type OutboxOptions } from './revocation-outbox.js'

export interface RevocationSink {
  /** The revocations key (KEYS entry) of a script over `userId`'s keys. */
  keyFor (userId: string): string
  /** What such a script takes about revocations (ARGV, in this order): sinkKind, untilOffset, trimMarginMs. */
  args: readonly [string, number, number]
  /**
   * After such a script: publishes the outbox entries its reply holds from index `from` (Cluster;
   * nothing to do on standalone Redis). Rejects with StoreUnavailableError when they could not be
   * published yet; they are published later all the same (./revocation-outbox.ts).
   */
  settle (userId: string, reply: unknown[], from: number): Promise<void>
  close (): Promise<void>
}

export function revocationSink (context: RedisContext, options: OutboxOptions): RevocationSink {
  const untilOffset = revocationUntilOffset(options.accessTokenTtl)
  if (context.isCluster) {
    const outbox = revocationOutbox(context, options)
    return {
      keyFor: outbox.keyFor,
      args: ['outbox', untilOffset, REVOCATION_TRIM_MARGIN_MS],
      settle: outbox.publish,
      close: outbox.close
    }
  }
  const feedKey = revocationFeedKey(context.prefix)
  return {
    keyFor: () => feedKey,
    args: ['feed', untilOffset, REVOCATION_TRIM_MARGIN_MS],
    settle: async () => {},
    close: async () => {}
  }
}

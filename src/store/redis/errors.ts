// Which Redis failures a caller sees as StoreUnavailableError (503: try again later) and which
// surface as themselves (500: a bug to fix, not an outage to wait out).
import { StoreUnavailableError } from '../../errors.js'

// Replies that mean "Redis cannot serve this now" rather than "this call is wrong". ROTOR_STALE is
// the scripts' own: a script that started after its caller's deadline changed nothing.
const UNAVAILABLE_REPLY = /^(ROTOR_STALE|LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|OOM|NOREPLICAS)\b/

/** Maps what a Redis call threw to what the store rejects with. */
export function toStoreError (error: unknown): Error {
  if (error instanceof StoreUnavailableError) return error
  // A reply error not in the list is a bug in a script or a key clash: let it surface as a 500.
  if (error instanceof Error && error.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(error.message)) return error
  return new StoreUnavailableError({ cause: error })
}

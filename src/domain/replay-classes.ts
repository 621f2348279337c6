// Why a spent refresh token comes back (docs/audit-events.md, "Replay classes"). The contract
// answers a replay inside REFRESH_REUSE_GRACE with the same successor, whoever sends it; these
// classes only say what the replay most likely was, for the audit log and the metrics.
// - race: within RACE_WINDOW_MS of the rotation, from the client that rotated (another tab of the
//   same browser, or a retry that crossed the answer).
// - lost_answer: later in the grace window, from the client that rotated: the answer carrying the
//   successor never reached it (a dropped connection, a killed tab).
// - theft: from a client that shares neither IP nor user agent with the one that rotated, in the
//   grace window; or any spent token after it (reuse: the store has ended the session). Either
//   two parties hold the token, or one of them is not its owner.

export type ReplayClass = 'race' | 'lost_answer' | 'theft'

/** A replay this soon after its rotation is the same client racing itself. */
export const RACE_WINDOW_MS = 1000

/** Where a request comes from, as sessions record it. */
export interface ClientSeen {
  ip: string
  userAgent: string
}

/**
 * The class of a replay inside the grace window: `rotation` is the rotation that spent the token
 * (when, and the client that made it), `replay` the request presenting it again. A client that
 * keeps its IP or its user agent is taken as the same client: a phone moving between networks
 * keeps its user agent, and a browser that updates keeps its IP for the moment.
 */
export function classifyGraceReplay (
  rotation: ClientSeen & { rotatedAt: number },
  replay: ClientSeen & { at: number }
): ReplayClass {
  if (replay.ip !== rotation.ip && replay.userAgent !== rotation.userAgent) return 'theft'
  return replay.at - rotation.rotatedAt <= RACE_WINDOW_MS ? 'race' : 'lost_answer'
}

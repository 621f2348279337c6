// Errors the gateway client raises, each with a stable `code` (and, for those a gateway answers
// with, the HTTP status it should use).

/** The feed answered something other than 200: 401 is a wrong feed token, 404 a feed switched off. */
export class FeedHttpError extends Error {
  override name = 'FeedHttpError'
  readonly code = 'ROTOR_FEED_HTTP_ERROR'
  readonly status: number
  constructor (status: number) {
    const hint = status === 401
      ? 'the feed token is not one of Rotor\'s REVOCATION_FEED_TOKENS'
      : status === 404
        ? 'Rotor answers 404 when REVOCATION_FEED_TOKENS is unset; set it on Rotor'
        : 'Rotor could not serve the feed'
    super(`GET /auth/revocations answered ${status}: ${hint}`)
    this.status = status
  }
}

/** The feed's answer is not an event stream. */
export class FeedProtocolError extends Error {
  override name = 'FeedProtocolError'
  readonly code = 'ROTOR_FEED_PROTOCOL_ERROR'
}

/** The connection carried nothing for longer than Rotor's heartbeat allows: it is dropped and made again. */
export class FeedSilentError extends Error {
  override name = 'FeedSilentError'
  readonly code = 'ROTOR_FEED_SILENT'
  constructor (ms: number) {
    super(`nothing from the revocation feed for ${ms} ms; reconnecting`)
  }
}

/** A valid access token of a session that has ended (Rotor's own routes say 401 AUTH_SESSION_ENDED). */
export class SessionEndedError extends Error {
  override name = 'SessionEndedError'
  readonly code = 'AUTH_SESSION_ENDED'
  readonly statusCode = 401
  constructor () {
    super('The session of this access token has ended; log in again')
  }
}

/** onStale 'reject' and the feed is stale: the token may be good, so 503 and retry, not 401. */
export class FeedStaleError extends Error {
  override name = 'FeedStaleError'
  readonly code = 'ROTOR_FEED_STALE'
  readonly statusCode = 503
  constructor () {
    super('Revocations cannot be checked right now (the revocation feed is disconnected); try again shortly')
  }
}

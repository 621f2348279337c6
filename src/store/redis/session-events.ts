// Session-ended events over pub/sub: the scripts that end sessions publish on the prefix's channel;
// the first listener opens a subscriber connection of its own, shared by all later ones.
import { Redis, type Cluster } from 'ioredis'
import type { SessionEndedEvent } from '../types.js'
import type { RedisStoreLogger } from './context.js'

export interface SessionEndedSubscription {
  /** Adds a listener (subscribing on first use); returns the function that removes it. */
  onSessionEnded (listener: (event: SessionEndedEvent) => void): () => void
  /** The SUBSCRIBE under way, if any: a call that publishes waits for it so no listener misses its own event. */
  pending (): Promise<void> | undefined
  /** The subscriber connection, once a listener opened it. */
  connection (): Redis | Cluster | undefined
}

export function sessionEndedSubscription (client: Redis | Cluster, channel: string, logger?: RedisStoreLogger): SessionEndedSubscription {
  let subscriber: Redis | Cluster | undefined
  let subscribing: Promise<void> | undefined
  const listeners = new Set<(event: SessionEndedEvent) => void>()

  function deliver (from: string, message: string): void {
    if (from !== channel) return
    let event: SessionEndedEvent
    try {
      event = JSON.parse(message) as SessionEndedEvent
    } catch (error) {
      logger?.warn({ err: error }, 'redis store: malformed session-ended event')
      return
    }
    for (const listener of listeners) {
      // A throw would unwind into ioredis's reply parser and break the subscription.
      try {
        listener(event)
      } catch (error) {
        if (logger === undefined) process.emitWarning(`session-ended listener threw: ${String(error)}`)
        else logger.warn({ err: error }, 'redis store: a session-ended listener threw')
      }
    }
  }

  function subscribe (): void {
    const connection = client instanceof Redis
      ? client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, autoResendUnfulfilledCommands: true })
      : client.duplicate()
    connection.on('error', () => { /* the main connection reports outages */ })
    connection.on('message', deliver)
    subscribing = connection.subscribe(channel).then(
      () => { subscribing = undefined },
      (error: unknown) => { subscribing = undefined; logger?.warn({ err: error }, 'redis store: could not subscribe to session-ended events') }
    )
    subscriber = connection
  }

  return {
    onSessionEnded (listener) {
      listeners.add(listener)
      if (subscriber === undefined) subscribe()
      return () => { listeners.delete(listener) }
    },
    pending: () => subscribing,
    connection: () => subscriber
  }
}

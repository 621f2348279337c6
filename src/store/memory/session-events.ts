// Session-ended listeners of the embedded store, called synchronously once a state change is done.
import type { SessionEndedEvent } from '../types.js'

export class SessionEndedListeners {
  private readonly listeners = new Set<(event: SessionEndedEvent) => void>()

  /** Adds a listener; returns the function that removes it. */
  add (listener: (event: SessionEndedEvent) => void): () => void {
    // A wrapper per call, so subscribing one function twice needs two unsubscribes, as with Redis.
    const wrapped = (event: SessionEndedEvent): void => { listener(event) }
    this.listeners.add(wrapped)
    return () => { this.listeners.delete(wrapped) }
  }

  emit (events: SessionEndedEvent[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        // A failing listener must not undo or interrupt a state change that already happened.
        try {
          listener({ ...event })
        } catch (error) {
          process.emitWarning(`session-ended listener threw: ${String(error)}`)
        }
      }
    }
  }

  clear (): void {
    this.listeners.clear()
  }
}

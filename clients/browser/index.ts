// The package's `rotor/browser` entry, and the source of the one-file build a page loads.
export { createRotorClient, type RotorClient, type RotorClientOptions, type SessionEndReason } from './client.js'
export { RotorError, SESSION_END_CODES, type SessionEndCode } from './errors.js'

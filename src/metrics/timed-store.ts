// An AuthStore that times every call of the store it wraps and counts the calls that reject
// (rotor_store_call_duration_seconds, rotor_store_errors_total). Results and errors pass through
// untouched, so callers cannot tell it from the store itself.
import type { AuthStore } from '../store/types.js'
import type { RotorMetrics, StoreCallMetrics, StoreOperation } from './rotor-metrics.js'

type AsyncMethod = (...args: never[]) => Promise<unknown>

function timed<M extends AsyncMethod> (method: M, metrics: StoreCallMetrics): M {
  return (async (...args: Parameters<M>) => {
    const started = performance.now()
    try {
      return await method(...args)
    } catch (error) {
      metrics.errors.inc()
      throw error
    } finally {
      metrics.duration.observe((performance.now() - started) / 1000)
    }
  }) as M
}

// A wait for revocations blocks for its timeout on purpose: its duration says nothing about the store.
function counted<M extends AsyncMethod> (method: M, metrics: StoreCallMetrics): M {
  return (async (...args: Parameters<M>) => {
    try {
      return await method(...args)
    } catch (error) {
      metrics.errors.inc()
      throw error
    }
  }) as M
}

export function timedStore (store: AuthStore, metrics: Pick<RotorMetrics, 'storeCalls'>): AuthStore {
  const wrap = <K extends StoreOperation>(operation: K): AuthStore[K] =>
    timed(store[operation].bind(store) as AuthStore[K] & AsyncMethod, metrics.storeCalls[operation])
  return {
    createUser: wrap('createUser'),
    findUserByUsername: wrap('findUserByUsername'),
    findUserById: wrap('findUserById'),
    changePassword: wrap('changePassword'),
    createSession: wrap('createSession'),
    rotateRefreshToken: wrap('rotateRefreshToken'),
    endSession: wrap('endSession'),
    endAllSessions: wrap('endAllSessions'),
    listSessions: wrap('listSessions'),
    findSession: wrap('findSession'),
    incrementCounter: wrap('incrementCounter'),
    readCounter: wrap('readCounter'),
    deleteCounter: wrap('deleteCounter'),
    releaseCounterHit: wrap('releaseCounterHit'),
    readRevocations: wrap('readRevocations'),
    waitForRevocations: counted(store.waitForRevocations.bind(store), metrics.storeCalls.waitForRevocations),
    ping: wrap('ping'),
    close: store.close.bind(store)
  }
}

// Node 20's process.nextTick builds every tick as the literal `{ [async_id_symbol]: asyncId,
// [trigger_async_id_symbol]: triggerAsyncId, callback, args }`, its ids read from a Float64Array
// (heap numbers). V8 keeps the maps of that shape only while an object has them: a full collection
// made while no tick is queued (during start-up, or once the process goes idle) frees them, the
// next tick builds new ones, and the literal's feedback in nextTick turns megamorphic for the rest
// of the process. Every nextTick then defines its properties through the runtime
// (`Runtime_DefineKeyedOwnPropertyInLiteral`), a few microseconds more per request at random starts.
// One object of the same shape, held for the process's life, keeps those maps alive. It acts from
// the first import on: a preload (node --import / --require) that queues ticks and collects before
// src/server.ts runs can leave the literal megamorphic already, as tap's coverage preload does.
import { AsyncResource } from 'node:async_hooks'

function tickShaped (): object | undefined {
  // AsyncResource carries the same two symbols as the tick object; nothing else public does.
  const symbols = Object.getOwnPropertySymbols(new AsyncResource('rotor.tick-shape'))
  const asyncId = symbols.find((symbol) => symbol.description === 'async_id_symbol')
  const triggerAsyncId = symbols.find((symbol) => symbol.description === 'trigger_async_id_symbol')
  if (asyncId === undefined || triggerAsyncId === undefined) return undefined
  // The same keys in the same order, and ids that are heap numbers as the ticks' are: a small
  // integer here would give the ids another representation, and V8 would retire the ticks' maps.
  return { [asyncId]: 0.5, [triggerAsyncId]: 0.5, callback: () => {}, args: undefined }
}

/** An object of the tick object's shape, held from the first import on; undefined on a Node without those symbols. */
export const HELD_TICK_SHAPE: object | undefined = tickShaped()

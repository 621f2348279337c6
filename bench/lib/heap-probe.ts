// Preloaded (node --expose-gc --import) into a process whose memory the bench measures: on the
// bench's 'heap' message over the IPC channel it collects garbage twice (the second pass frees what
// the first only finalised) and answers process.memoryUsage(). The process's own code is untouched.
const collectGarbage = (globalThis as { gc?: () => void }).gc

process.on('message', (message) => {
  if (message !== 'heap') return
  collectGarbage?.()
  collectGarbage?.()
  const { heapUsed, rss, external } = process.memoryUsage()
  process.send?.({ heapUsed, rss, external, collected: collectGarbage !== undefined })
})
// The listener refs the channel: the probe must not be what keeps a process alive.
process.channel?.unref()

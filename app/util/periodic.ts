// Background housekeeping that never keeps the process alive and never throws.

/** Runs `task` every `ms` (its failures ignored: the next round tries again); answers the stop. */
export function periodically(ms: number, task: () => Promise<unknown>): () => void {
  const timer = setInterval(() => void task().catch(() => undefined), ms);
  timer.unref();
  return () => clearInterval(timer);
}

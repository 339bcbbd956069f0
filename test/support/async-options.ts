// The async protocol's options for tests that drive it directly: a short sync budget and lease, so
// that requests go to the background and leases run out within a test.
import type { AsyncOptions } from '../../app/aps/async-protocol.js';

export const TEST_ASYNC_OPTIONS: AsyncOptions = {
  syncBudgetMs: 50,
  retryTimeoutS: 1,
  deadlineS: 60,
  maxRetryDelayS: 1,
  leaseMs: 1000,
  keepFinishedMs: 60_000,
  backlog: 10_000,
  concurrency: 3,
};

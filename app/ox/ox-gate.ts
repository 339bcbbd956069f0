// One bound towards an OX installation for every SOAP call the process makes (requests and
// background jobs alike): at most `limit` in flight, at most `queue` waiting (each no longer than
// `maxWaitMs`); beyond that a call is refused at once with OxSaturated, so a burst from the
// controller meets a clear "try again" instead of piling up at OX.
import { OxSaturated } from './faults.js';

export interface OxGateOptions {
  limit: number;
  queue: number;
  maxWaitMs: number;
}

export class OxGate {
  private inFlight = 0;
  private readonly waiting: Array<{ admit: () => void }> = [];
  /** The most calls in flight at once since the start (bench and tests read it). */
  peak = 0;

  constructor(private readonly opts: OxGateOptions) {}

  async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    await this.enter(operation);
    try {
      return await call();
    } finally {
      this.leave();
    }
  }

  private enter(operation: string): Promise<void> | void {
    if (this.inFlight < this.opts.limit) {
      this.peak = Math.max(this.peak, ++this.inFlight);
      return;
    }
    if (this.waiting.length >= this.opts.queue) throw new OxSaturated(operation, this.opts.limit, this.opts.queue);
    return new Promise<void>((resolve, reject) => {
      const entry = {
        admit: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(new OxSaturated(operation, this.opts.limit, this.opts.queue));
      }, this.opts.maxWaitMs);
      this.waiting.push(entry);
    });
  }

  /** A finished call hands its slot to the longest waiting one. */
  private leave(): void {
    const next = this.waiting.shift();
    if (next) next.admit();
    else this.inFlight--;
  }
}

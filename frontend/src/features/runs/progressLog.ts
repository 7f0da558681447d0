import type { RunProgress } from '../../graphql/operations/runs';
import { isFinal } from '../../graphql/operations/runs';

/**
 * ProgressLog keeps one run's progress events in the order the server sent them. The
 * subscription starts with the last known event (a client that reconnects misses nothing),
 * so an event equal to the last one kept is a repeat, not news. Once a final event is in,
 * nothing later is accepted.
 */
export class ProgressLog {
  private readonly items: RunProgress[] = [];

  constructor(readonly limit = 500) {}

  /** add keeps ev unless it repeats the last event or the run already ended; it reports whether ev was kept. */
  add(ev: RunProgress): boolean {
    const last = this.items.at(-1);
    if (last && isFinal(last.status)) return false;
    if (last && last.at === ev.at && last.step === ev.step && last.fraction === ev.fraction && last.status === ev.status) {
      return false;
    }
    this.items.push(ev);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
    return true;
  }

  get events(): readonly RunProgress[] {
    return this.items;
  }

  get last(): RunProgress | undefined {
    return this.items.at(-1);
  }

  get done(): boolean {
    const last = this.items.at(-1);
    return last !== undefined && isFinal(last.status);
  }
}

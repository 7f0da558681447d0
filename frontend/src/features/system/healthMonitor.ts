// HealthMonitor keeps the latest service health, preferring the healthChanged
// subscription and polling the health query whenever the subscription is not
// delivering. Framework-free so it can be tested with fake timers.
import type { Health } from '../../graphql/operations/health';

export type HealthTransport = 'subscription' | 'polling';

/** HealthState is what the status bar and the System page render. */
export interface HealthState {
  /** pending: nothing heard yet; live: the API answered; unreachable: it did not. */
  phase: 'pending' | 'live' | 'unreachable';
  /** The last health report, or null before the first one. */
  health: Health | null;
  /** Why the API is unreachable, when phase is 'unreachable'. */
  error: string | null;
  /** How the last report arrived. */
  transport: HealthTransport | null;
  /** Local time (ms since epoch) of the last report or failure. */
  updatedAt: number | null;
}

export interface HealthSource {
  fetchHealth(signal: AbortSignal): Promise<Health>;
  /** subscribeHealth returns a function that ends the subscription. */
  subscribeHealth(
    everyMs: number,
    onData: (h: Health) => void,
    onError: (err: Error) => void,
  ): () => void;
}

export interface HealthMonitorOptions {
  pollMs?: number;
  resubscribeMs?: number;
  now?: () => number;
}

export const initialHealthState: HealthState = {
  phase: 'pending',
  health: null,
  error: null,
  transport: null,
  updatedAt: null,
};

export class HealthMonitor {
  private state: HealthState = initialHealthState;
  private readonly listeners = new Set<() => void>();
  private readonly pollMs: number;
  private readonly resubscribeMs: number;
  private readonly now: () => number;

  private running = false;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private resubscribeTimer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: AbortController | null = null;
  private endSubscription: (() => void) | null = null;
  private lastSubscriptionData: number | null = null;

  constructor(
    private readonly source: HealthSource,
    opts: HealthMonitorOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 5_000;
    this.resubscribeMs = opts.resubscribeMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  getState = (): HealthState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
    this.pollTimer = setInterval(() => {
      if (!this.subscriptionFresh()) void this.poll();
    }, this.pollMs);
    this.startSubscription();
  }

  stop(): void {
    this.running = false;
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    if (this.resubscribeTimer !== null) clearTimeout(this.resubscribeTimer);
    this.pollTimer = null;
    this.resubscribeTimer = null;
    this.inFlight?.abort();
    this.inFlight = null;
    this.endSubscription?.();
    this.endSubscription = null;
    this.lastSubscriptionData = null;
  }

  /** refresh asks the server now, whatever the transport. */
  refresh(): void {
    if (this.running) void this.poll(true);
  }

  // The subscription counts as fresh while its events arrive at least about
  // as often as polling would.
  private subscriptionFresh(): boolean {
    return (
      this.lastSubscriptionData !== null &&
      this.now() - this.lastSubscriptionData < this.pollMs * 1.5
    );
  }

  private startSubscription(): void {
    this.resubscribeTimer = null;
    if (!this.running) return;
    let ended = false;
    const end = this.source.subscribeHealth(
      this.pollMs,
      (health) => {
        if (ended || !this.running) return;
        this.lastSubscriptionData = this.now();
        this.set({ phase: 'live', health, error: null, transport: 'subscription' });
      },
      () => {
        if (ended || !this.running) return;
        ended = true;
        this.endSubscription = null;
        this.lastSubscriptionData = null;
        // Fall back to polling at once, and try the websocket again later.
        void this.poll();
        this.resubscribeTimer = setTimeout(() => this.startSubscription(), this.resubscribeMs);
      },
    );
    if (ended) return;
    this.endSubscription = () => {
      ended = true;
      end();
    };
  }

  private async poll(force = false): Promise<void> {
    if (this.inFlight !== null) {
      if (!force) return;
      this.inFlight.abort();
    }
    const ctrl = new AbortController();
    this.inFlight = ctrl;
    const timeout = setTimeout(() => ctrl.abort(), Math.max(this.pollMs, 4_000));
    try {
      const health = await this.source.fetchHealth(ctrl.signal);
      if (this.inFlight !== ctrl || !this.running) return;
      if (force || !this.subscriptionFresh()) {
        this.set({ phase: 'live', health, error: null, transport: this.subscriptionFresh() ? 'subscription' : 'polling' });
      }
    } catch (err) {
      if (this.inFlight !== ctrl || !this.running) return;
      if (this.subscriptionFresh()) return; // the websocket proves the API is up
      const timedOut = ctrl.signal.aborted;
      this.set({
        phase: 'unreachable',
        health: this.state.health,
        error: timedOut ? 'request timed out' : describe(err),
        transport: 'polling',
      });
    } finally {
      clearTimeout(timeout);
      if (this.inFlight === ctrl) this.inFlight = null;
    }
  }

  private set(next: Omit<HealthState, 'updatedAt'>): void {
    this.state = { ...next, updatedAt: this.now() };
    for (const l of this.listeners) l();
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

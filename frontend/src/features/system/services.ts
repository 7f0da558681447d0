import type { Health, ServiceHealth, ServiceName } from '../../graphql/operations/health';

/** SERVICES lists the backing services in display order. */
export const SERVICES: ReadonlyArray<{ name: ServiceName; label: string }> = [
  { name: 'postgres', label: 'PostgreSQL' },
  { name: 'redis', label: 'Redis' },
  { name: 'objectStorage', label: 'Object storage' },
];

/**
 * serviceOf returns a service's entry of health.services, or one built from
 * the top-level boolean when the list lacks it.
 */
export function serviceOf(health: Health, name: ServiceName): ServiceHealth {
  const found = health.services.find((s) => s.name === name);
  if (found) return found;
  return { name, ok: health[name], latencyMs: Number.NaN, error: null };
}

/** formatLatency renders a probe latency compactly ("0.42 ms", "12 ms"). */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** formatClock renders a time as HH:MM:SS in the user's locale. */
export function formatClock(t: string | number | null): string {
  if (t === null) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

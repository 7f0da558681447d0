export type DotTone = 'ok' | 'down' | 'unknown' | 'pending';

/** StatusDot is the small coloured disc used for service state. */
export function StatusDot({ tone }: { tone: DotTone }) {
  return <span className={`status-dot status-dot--${tone}`} aria-hidden="true" />;
}

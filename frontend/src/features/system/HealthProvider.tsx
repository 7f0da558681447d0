import { useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { HealthContext } from './health-context';
import { HealthMonitor, type HealthSource } from './healthMonitor';
import { graphqlHealthSource } from './healthSource';

interface Props {
  children: ReactNode;
  /** source replaces the GraphQL API (tests). */
  source?: HealthSource;
  pollMs?: number;
}

/** HealthProvider runs one HealthMonitor for the whole app. */
export function HealthProvider({ children, source = graphqlHealthSource, pollMs }: Props) {
  const [monitor] = useState(() => new HealthMonitor(source, { pollMs }));
  useEffect(() => {
    monitor.start();
    return () => monitor.stop();
  }, [monitor]);
  const state = useSyncExternalStore(monitor.subscribe, monitor.getState);
  const value = useMemo(() => ({ state, refresh: () => monitor.refresh() }), [state, monitor]);
  return <HealthContext.Provider value={value}>{children}</HealthContext.Provider>;
}

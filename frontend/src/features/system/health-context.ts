import { createContext, useContext } from 'react';
import { initialHealthState, type HealthState } from './healthMonitor';

export interface HealthContextValue {
  state: HealthState;
  refresh(): void;
}

export const HealthContext = createContext<HealthContextValue>({
  state: initialHealthState,
  refresh: () => {},
});

/** useHealth returns the latest service health, kept fresh by HealthProvider. */
export function useHealth(): HealthContextValue {
  return useContext(HealthContext);
}

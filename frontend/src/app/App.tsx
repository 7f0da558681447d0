import { HealthProvider } from '../features/system/HealthProvider';
import type { HealthSource } from '../features/system/healthMonitor';
import { ThemeProvider } from './providers/ThemeProvider';
import { Shell } from './Shell';

/** App wires the providers around the shell; tests may swap the health source. */
export function App({ healthSource }: { healthSource?: HealthSource }) {
  return (
    <ThemeProvider>
      <HealthProvider source={healthSource}>
        <Shell />
      </HealthProvider>
    </ThemeProvider>
  );
}

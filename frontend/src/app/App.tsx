import { SessionGate } from '../features/session';
import { HealthProvider, type HealthSource } from '../features/system';
import { ThemeProvider } from './providers/ThemeProvider';
import { Shell } from './Shell';

/**
 * App wires the providers around the shell, behind sign-in; tests may swap the
 * health source and leave the gate out.
 */
export function App({ healthSource, gate = true }: { healthSource?: HealthSource; gate?: boolean }) {
  const shell = (
    <HealthProvider source={healthSource}>
      <Shell />
    </HealthProvider>
  );
  return <ThemeProvider>{gate ? <SessionGate>{shell}</SessionGate> : shell}</ThemeProvider>;
}

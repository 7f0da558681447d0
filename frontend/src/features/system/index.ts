// The system feature as others see it: the health monitor with its provider and hook, the
// service list the status bar shows, and the System page.
export { useHealth } from './health-context';
export type { HealthSource } from './healthMonitor';
export { HealthProvider } from './HealthProvider';
export { graphqlHealthSource } from './healthSource';
export { formatClock, formatLatency, serviceOf, SERVICES } from './services';
export { SystemPage } from './SystemPage';

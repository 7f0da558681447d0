// graphqlHealthSource connects the HealthMonitor to the real API.
import { request, subscribe } from '../../graphql/client';
import {
  HEALTH_CHANGED_SUBSCRIPTION,
  HEALTH_QUERY,
  type HealthChangedResult,
  type HealthChangedVariables,
  type HealthQueryResult,
} from '../../graphql/operations/health';
import type { HealthSource } from './healthMonitor';

export const graphqlHealthSource: HealthSource = {
  async fetchHealth(signal) {
    const data = await request<HealthQueryResult>(HEALTH_QUERY, undefined, { signal });
    return data.health;
  },
  subscribeHealth(everyMs, onData, onError) {
    return subscribe<HealthChangedResult, HealthChangedVariables>(
      HEALTH_CHANGED_SUBSCRIPTION,
      { everyMs },
      {
        next: (data) => onData(data.healthChanged),
        error: onError,
        complete: () => onError(new Error('subscription ended')),
      },
    );
  },
};

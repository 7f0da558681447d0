// graphqlHealthSource connects the HealthMonitor to the real API.
import { request, subscribe } from '../../graphql/client';
import type { HealthChangedSubscription, HealthChangedSubscriptionVariables, HealthQuery } from '../../graphql/generated';
import { HEALTH_CHANGED_SUBSCRIPTION, HEALTH_QUERY } from '../../graphql/operations/health';
import type { HealthSource } from './healthMonitor';

export const graphqlHealthSource: HealthSource = {
  async fetchHealth(signal) {
    const data = await request<HealthQuery>(HEALTH_QUERY, undefined, { signal });
    return data.health;
  },
  subscribeHealth(everyMs, onData, onError) {
    return subscribe<HealthChangedSubscription, HealthChangedSubscriptionVariables>(
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

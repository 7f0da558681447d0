// Health operations; their types are generated (src/graphql/generated.ts).
import type { HealthFieldsFragment } from '../generated';

/** ServiceName names the services the shell shows (the server may report more). */
export type ServiceName = 'postgres' | 'redis' | 'objectStorage';

/** Health is the answer of `health` and each event of `healthChanged`. */
export type Health = HealthFieldsFragment;

/** ServiceHealth is one backing service's last probe. */
export type ServiceHealth = Health['services'][number];

const HEALTH_FIELDS = /* GraphQL */ `fragment HealthFields on Health { postgres redis objectStorage checkedAt services { name ok latencyMs error } }`;

const HEALTH_QUERY_DOC = /* GraphQL */ `query Health { health { ...HealthFields } }`;
export const HEALTH_QUERY = HEALTH_QUERY_DOC + HEALTH_FIELDS;

const HEALTH_CHANGED_SUBSCRIPTION_DOC = /* GraphQL */ `subscription HealthChanged($everyMs: Int) { healthChanged(everyMs: $everyMs) { ...HealthFields } }`;
export const HEALTH_CHANGED_SUBSCRIPTION = HEALTH_CHANGED_SUBSCRIPTION_DOC + HEALTH_FIELDS;

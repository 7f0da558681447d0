// Health operations; src/graphql/contracts.ts checks these types against the schema.

/** ServiceName names the services the shell shows (the server may report more). */
export type ServiceName = 'postgres' | 'redis' | 'objectStorage';

/** ServiceHealth is one backing service's last probe. */
export interface ServiceHealth {
  name: string;
  ok: boolean;
  latencyMs: number;
  error: string | null;
}

/** Health is the answer of `health` and each event of `healthChanged`. */
export interface Health {
  postgres: boolean;
  redis: boolean;
  objectStorage: boolean;
  checkedAt: string;
  services: ServiceHealth[];
}

const HEALTH_FIELDS = /* GraphQL */ `fragment HealthFields on Health { postgres redis objectStorage checkedAt services { name ok latencyMs error } }`;

const HEALTH_QUERY_DOC = /* GraphQL */ `query Health { health { ...HealthFields } }`;
export const HEALTH_QUERY = HEALTH_QUERY_DOC + HEALTH_FIELDS;

export interface HealthQueryResult {
  health: Health;
}

const HEALTH_CHANGED_SUBSCRIPTION_DOC = /* GraphQL */ `subscription HealthChanged($everyMs: Int) { healthChanged(everyMs: $everyMs) { ...HealthFields } }`;
export const HEALTH_CHANGED_SUBSCRIPTION = HEALTH_CHANGED_SUBSCRIPTION_DOC + HEALTH_FIELDS;

export interface HealthChangedResult {
  healthChanged: Health;
}

export interface HealthChangedVariables extends Record<string, unknown> {
  everyMs?: number;
}

// Health operations. The types mirror graph/schema; they move to
// graphql-codegen output once the schema lands in the repo.

/** ServiceName is the `name` of one entry of Health.services. */
export type ServiceName = 'postgres' | 'redis' | 'objectStorage';

/** ServiceHealth is one backing service's last probe. */
export interface ServiceHealth {
  name: ServiceName;
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

const HEALTH_FIELDS = 'postgres redis objectStorage checkedAt services { name ok latencyMs error }';

export const HEALTH_QUERY = `query Health { health { ${HEALTH_FIELDS} } }`;

export interface HealthQueryResult {
  health: Health;
}

export const HEALTH_CHANGED_SUBSCRIPTION = `subscription HealthChanged($everyMs: Int) { healthChanged(everyMs: $everyMs) { ${HEALTH_FIELDS} } }`;

export interface HealthChangedResult {
  healthChanged: Health;
}

export interface HealthChangedVariables extends Record<string, unknown> {
  everyMs?: number;
}

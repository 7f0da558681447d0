// The model registry.
import type { ModelsQuery } from '../generated';

export const MODELS_QUERY = /* GraphQL */ `query Models {
  models { id name task description versions { id version stage weightsSha256 createdAt } }
}`;

export type RegistryModel = ModelsQuery['models'][number];

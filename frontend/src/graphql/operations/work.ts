// Work queues: what waits for the signed-in labeler or reviewer, and assigning a volume
// to a labeler.

import type { MyWorkQuery } from '../generated';

export type WorkItemView = MyWorkQuery['myWork']['items'][number];

export const MY_WORK_QUERY = /* GraphQL */ `query MyWork($first: Int) {
  myWork(first: $first) {
    totalCount
    items {
      kind since
      volume { id createdAt case { id eye subject { code } } assignee { id displayName } }
      label { id version state openRegions { comment } }
    }
  }
}`;

export const LABELERS_QUERY = /* GraphQL */ `query Labelers { labelers { id displayName } }`;

export const ASSIGN_VOLUME_MUTATION = /* GraphQL */ `mutation AssignVolume($volumeId: ID!, $userId: ID) {
  assignVolume(volumeId: $volumeId, userId: $userId) { id assignee { id displayName } assignedAt }
}`;

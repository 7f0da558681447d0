// The role editor and the audit log (admin only).

import type { AccessQuery, AuditLogQuery } from '../generated';

export type Role = AccessQuery['roles'][number];
export type RolePermission = Role['permissions'][number];
export type GuardedCoordinate = AccessQuery['permissions'][number];
export type Member = AccessQuery['members'][number];
export type AuditEntry = AuditLogQuery['auditLog'][number];

export const ACCESS_QUERY = /* GraphQL */ `query Access($project: String!) {
  roles { name permissions { object action } }
  permissions { object action root sensitive public }
  members(project: $project) { subject role project user { id email displayName } }
}`;

export const GRANT_ROLE_MUTATION = /* GraphQL */ `mutation GrantRole($input: RoleGrantInput!) { grantRole(input: $input) { role project } }`;
export const REVOKE_ROLE_MUTATION = /* GraphQL */ `mutation RevokeRole($input: RoleGrantInput!) { revokeRole(input: $input) }`;
export const SET_ROLE_PERMISSIONS_MUTATION = /* GraphQL */ `mutation SetRolePermissions($role: String!, $permissions: [RolePermissionInput!]!) {
  setRolePermissions(role: $role, permissions: $permissions) { name permissions { object action } }
}`;

export const AUDIT_LOG_QUERY = /* GraphQL */ `query AuditLog($filter: AuditFilter, $first: Int, $before: ID) {
  auditLog(filter: $filter, first: $first, before: $before) { id at actor actorEmail action object target reason outcome requestId clientAddr hash }
}`;


// The role editor and the audit log (admin only).

export interface RolePermission {
  object: string;
  action: string;
}

export interface Role {
  name: string;
  permissions: RolePermission[];
}

export interface GuardedCoordinate {
  object: string;
  action: string;
  root: boolean;
  sensitive: boolean;
}

export interface Member {
  subject: string;
  role: string;
  project: string;
  user: { id: string; email: string | null; displayName: string } | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  object: string;
  outcome: string;
  requestId: string | null;
  clientAddr: string | null;
  hash: string;
}

export const ACCESS_QUERY = `query Access($project: String!) {
  roles { name permissions { object action } }
  permissions { object action root sensitive }
  members(project: $project) { subject role project user { id email displayName } }
}`;

export interface AccessQueryResult {
  roles: Role[];
  permissions: GuardedCoordinate[];
  members: Member[];
}

export const GRANT_ROLE_MUTATION = `mutation GrantRole($input: RoleGrantInput!) { grantRole(input: $input) { role project } }`;
export const REVOKE_ROLE_MUTATION = `mutation RevokeRole($input: RoleGrantInput!) { revokeRole(input: $input) }`;
export const SET_ROLE_PERMISSIONS_MUTATION = `mutation SetRolePermissions($role: String!, $permissions: [RolePermissionInput!]!) {
  setRolePermissions(role: $role, permissions: $permissions) { name permissions { object action } }
}`;

export const AUDIT_LOG_QUERY = `query AuditLog($filter: AuditFilter, $first: Int, $before: ID) {
  auditLog(filter: $filter, first: $first, before: $before) { id at actor action object outcome requestId clientAddr hash }
}`;

export interface AuditLogResult {
  auditLog: AuditEntry[];
}

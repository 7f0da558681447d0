// What a role's permission list grants, decided as the server decides it (rbac/policy.go):
// "*" grants everything; "Type.*" grants Type's fields except sensitive ones; anything else
// must name the coordinate. Actions: "*" or equal.
import type { GuardedCoordinate, RolePermission } from '../../graphql/operations/admin';

export type Grant = 'named' | 'pattern' | 'none';

export function grantOf(perms: readonly RolePermission[], c: GuardedCoordinate): Grant {
  let pattern = false;
  for (const p of perms) {
    if (p.action !== '*' && p.action !== c.action) continue;
    if (p.object === c.object) return 'named';
    if (p.object === '*') pattern = true;
    else if (p.object.endsWith('.*') && c.object.startsWith(p.object.slice(0, -1)) && !c.sensitive) pattern = true;
  }
  return pattern ? 'pattern' : 'none';
}

/** toggled returns perms with c's named grant added or removed. */
export function toggled(perms: readonly RolePermission[], c: GuardedCoordinate): RolePermission[] {
  const named = perms.some((p) => p.object === c.object && p.action === c.action);
  return named
    ? perms.filter((p) => !(p.object === c.object && p.action === c.action))
    : [...perms, { object: c.object, action: c.action }];
}

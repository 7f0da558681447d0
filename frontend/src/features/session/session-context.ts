import { createContext, useContext } from 'react';
import type { Viewer } from '../../graphql/operations/session';

export interface SessionValue {
  viewer: Viewer;
  signOut(): void;
}

export const SessionContext = createContext<SessionValue | null>(null);

/** useSession returns the signed-in viewer, or null outside a SessionGate (tests). */
export function useSession(): SessionValue | null {
  return useContext(SessionContext);
}

/**
 * useCan reports whether the signed-in caller holds one of roles (the server decides in the
 * end; this only hides what would be refused). Outside a SessionGate (tests) it is true.
 */
export function useCan(...roles: string[]): boolean {
  const s = useContext(SessionContext);
  return !s || s.viewer.roles.some((r) => roles.includes(r));
}

/**
 * useMay reports whether the signed-in caller may call root field (e.g. "Query.metrics"), as
 * me.rootFields says; outside a SessionGate (tests) it answers outside.
 */
export function useMay(field: string, outside = true): boolean {
  const s = useContext(SessionContext);
  return s ? s.viewer.rootFields.includes(field) : outside;
}

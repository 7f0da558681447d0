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

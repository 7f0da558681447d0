import { useCallback, useSyncExternalStore } from 'react';
import { routeFromHash, type RouteId } from './routes';

function subscribe(cb: () => void) {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

/** useHashRoute is the app's router: the page lives in location.hash ("#/runs"); null: none named. */
export function useHashRoute(): [RouteId | null, (id: RouteId) => void] {
  const route = useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash));
  const navigate = useCallback((id: RouteId) => {
    window.location.hash = `/${id}`;
  }, []);
  return [route, navigate];
}

import type { RouteDef, RouteId } from '../routes';

interface Props {
  routes: readonly RouteDef[];
  current: RouteId | null;
  onNavigate(id: RouteId): void;
}

/** Navigator is the left-hand list of the app's areas. */
export function Navigator({ routes, current, onNavigate }: Props) {
  return (
    <nav className="navigator" aria-label="Navigator">
      <div className="navigator__heading">Workspace</div>
      <ul className="navigator__list">
        {routes.map((r) => {
          const Icon = r.icon;
          const selected = r.id === current;
          return (
            <li key={r.id}>
              <a
                href={`#/${r.id}`}
                className={`navigator__link${selected ? ' is-selected' : ''}`}
                aria-current={selected ? 'page' : undefined}
                title={`${r.label} (G then ${r.goKey.toUpperCase()})`}
                onClick={(e) => {
                  e.preventDefault();
                  onNavigate(r.id);
                }}
              >
                <Icon />
                <span>{r.label}</span>
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

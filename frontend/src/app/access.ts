// Which pages a caller may use and where they land, derived from the root fields the server
// says they may call (me.rootFields), so that a role edited by an admin changes the
// navigation too. Pure: the shell and its tests share it.

/**
 * Needs says when a page shows: the caller may call one of `any` and none of `unless`. A page
 * whose data the caller may not read would only show them a refusal.
 */
export interface Needs {
  any: readonly string[];
  unless?: readonly string[];
}

/** LANDING lists, per built-in role, the pages where its work is, first choice first. */
export const LANDING: Readonly<Record<string, readonly string[]>> = {
  admin: ['system', 'admin'],
  ml_engineer: ['models', 'runs'],
  researcher: ['runs', 'cases'],
  tech: ['cases'],
  labeler: ['work', 'cases'],
  scanner: ['upload'],
};

/** ROLE_ORDER ranks roles for a caller holding several: the most powerful decides. */
const ROLE_ORDER = ['admin', 'ml_engineer', 'researcher', 'tech', 'labeler', 'scanner'];

/** mayUse reports whether a caller allowed rootFields may use a page that needs `needs` (none: everyone). */
export function mayUse(needs: Needs | undefined, rootFields: ReadonlySet<string>): boolean {
  if (!needs) return true;
  return needs.any.some((f) => rootFields.has(f)) && !(needs.unless ?? []).some((f) => rootFields.has(f));
}

/** visiblePages keeps, in order, the pages the caller may use. */
export function visiblePages<T extends { needs?: Needs }>(pages: readonly T[], rootFields: ReadonlySet<string>): T[] {
  return pages.filter((p) => mayUse(p.needs, rootFields));
}

/**
 * landingPage is where a caller lands: their most powerful role's first page among visible,
 * else the first of visible, else null.
 */
export function landingPage(roles: readonly string[], visible: readonly string[]): string | null {
  const ranked = [...roles].sort((a, b) => rank(a) - rank(b));
  for (const role of ranked) {
    for (const p of LANDING[role] ?? []) {
      if (visible.includes(p)) return p;
    }
  }
  return visible[0] ?? null;
}

function rank(role: string): number {
  const i = ROLE_ORDER.indexOf(role);
  return i < 0 ? ROLE_ORDER.length : i;
}

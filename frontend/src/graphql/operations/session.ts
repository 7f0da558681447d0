// Who is signed in, as `me` answers it (null when no one is).

export interface Viewer {
  user: { id: string; displayName: string };
  project: string;
  roles: string[];
  method: string;
  projects: string[];
}

export const ME_QUERY = 'query Me { me { user { id displayName } project roles method projects } }';

export interface MeQueryResult {
  me: Viewer | null;
}

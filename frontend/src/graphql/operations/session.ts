// Who is signed in, as `me` answers it (null when no one is).
import type { MeQuery } from '../generated';

export type Viewer = NonNullable<MeQuery['me']>;

export const ME_QUERY = /* GraphQL */ `query Me { me { user { id displayName } project roles method projects rootFields } }`;


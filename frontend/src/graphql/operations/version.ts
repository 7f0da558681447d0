// The server's build, as `version` answers it.

/** BuildInfo names the build of aomas that answers. */
export interface BuildInfo {
  version: string;
  commit: string;
  goVersion: string;
}

export const VERSION_QUERY = /* GraphQL */ `query Version { version { version commit goVersion } }`;

export interface VersionQueryResult {
  version: BuildInfo;
}

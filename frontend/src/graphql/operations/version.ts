// The server's build, as `version` answers it; its type is generated (VersionQuery).

export const VERSION_QUERY = /* GraphQL */ `query Version { version { version commit goVersion } }`;

-- +goose Up
-- Ways in besides a password (package auth). Secrets are never stored: only their SHA-256.
-- Who may do what in which project lives in casbin_rule (g rules), not here.

-- Browser sessions: the cookie carries a random id; id_hash is its SHA-256.
CREATE TABLE sessions (
    id_hash       text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    last_seen_at  timestamptz,
    client_addr   text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Personal API tokens for notebooks and scanners, each for one project. prefix (the token's
-- first characters) finds the row; hash is the SHA-256 of the whole token.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project       text NOT NULL CHECK (project <> ''),
    name          text NOT NULL DEFAULT '',
    prefix        text NOT NULL UNIQUE,
    hash          text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- +goose Down
DROP TABLE api_tokens;
DROP TABLE sessions;

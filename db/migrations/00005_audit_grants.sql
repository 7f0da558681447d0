-- +goose Up
-- The audit log is append-only by two locks: the trigger of 00001 refuses UPDATE, DELETE and
-- TRUNCATE for everyone, and no role the application uses holds those privileges.
--
-- Deployment roles (PostgreSQL):
--   aomas_owner  owns the schema and runs `aomas migrate`; never used by `aomas serve`.
--   aomas_app    what `aomas serve` and `aomas worker` log in as:
--                  CREATE ROLE aomas_app LOGIN PASSWORD '…';
--                  GRANT USAGE ON SCHEMA public TO aomas_app;
--                  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO aomas_app;
--                  GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO aomas_app;
--                  REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM aomas_app;
--                (rerun the last line after any GRANT … ON ALL TABLES; this migration does it
--                for a role that already exists).
-- A superuser can still disable the trigger and edit a row; the hash chain is what shows
-- that (`aomas audit verify`).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aomas_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM aomas_app;
    END IF;
END;
$$;
-- +goose StatementEnd
-- A fork of the chain (two entries after the same one) cannot be stored.
CREATE UNIQUE INDEX audit_log_prev_hash_idx ON audit_log (prev_hash);
-- The auditLog query filters by actor and time.
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);

-- +goose Down
DROP INDEX audit_log_actor_idx;
DROP INDEX audit_log_prev_hash_idx;

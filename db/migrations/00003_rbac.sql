-- +goose Up
-- Casbin's policy (package rbac): p rules (role, project, coordinate, action) and g rules
-- (subject, role, project). The g rules are the one record of who belongs to which project
-- with which role.
CREATE TABLE casbin_rule (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ptype  text NOT NULL,
    v0     text NOT NULL DEFAULT '',
    v1     text NOT NULL DEFAULT '',
    v2     text NOT NULL DEFAULT '',
    v3     text NOT NULL DEFAULT '',
    v4     text NOT NULL DEFAULT '',
    v5     text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX casbin_rule_unique_idx ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);

-- rbac_seed records which versions of the default policy were written, so that seeding at
-- start is done once and an admin's later edits stand.
CREATE TABLE rbac_seed (
    version     integer PRIMARY KEY,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE rbac_seed;
DROP TABLE casbin_rule;

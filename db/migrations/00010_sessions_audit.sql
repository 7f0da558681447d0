-- +goose Up
-- Issue 13, findings 10, 12 and 13.

-- The id a client sent in X-Request-ID, kept apart from the server's own request_id and
-- labelled as the client's claim (finding 13).
ALTER TABLE audit_log ADD COLUMN client_request_id text CHECK (length(client_request_id) <= 64);

-- Who did a step of a label's history, as an account (finding 10): the history shows the
-- account's display name, and its e-mail address only to a caller who may read User.email.
-- author stays as written (the e-mail address, or "anonymous") for the record.
ALTER TABLE label_events ADD COLUMN author_id bigint REFERENCES users(id) ON DELETE SET NULL;
UPDATE label_events e SET author_id = u.id FROM users u WHERE lower(u.email) = lower(e.author);

-- Failed sign-ins per e-mail address (as typed, lower-cased, whether or not an account has
-- it) and client address (finding 12). addr '*' is the count over every address. An
-- address's own row locks that e-mail address for that address alone; the '*' row locks it
-- for addresses that never signed in to it (ok_at IS NULL), so that an attacker cannot
-- lock a user out of the addresses the user signs in from.
CREATE TABLE login_failures (
    email       text NOT NULL CHECK (length(email) <= 320),
    addr        text NOT NULL CHECK (length(addr) <= 64),
    failures    integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    ok_at       timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email, addr)
);
CREATE INDEX login_failures_updated_idx ON login_failures (updated_at);

-- +goose Down
DROP TABLE login_failures;
ALTER TABLE label_events DROP COLUMN author_id;
ALTER TABLE audit_log DROP COLUMN client_request_id;

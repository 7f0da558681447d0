-- +goose Up
-- Pipeline bookkeeping that sits beside runs and run_steps, so that the row structs bound to
-- GraphQL keep their shape.

-- run_step_tasks: the asynq side of a step. gen grows each time the step is handed to asynq
-- anew (janitor, retry), and the task id carries it, so a stale task of an earlier
-- generation finds it is no longer wanted. completions counts successful completions: the
-- pipeline's promise is that it never exceeds 1.
CREATE TABLE run_step_tasks (
    run_id       bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name         text NOT NULL,
    gen          integer NOT NULL DEFAULT 0,
    enqueued_at  timestamptz,
    completions  integer NOT NULL DEFAULT 0,
    -- the step's outputs: object keys and the few figures later steps need.
    output       jsonb,
    PRIMARY KEY (run_id, name),
    FOREIGN KEY (run_id, name) REFERENCES run_steps (run_id, name) ON DELETE CASCADE
);

-- run_progress holds the last progress event of each run; seq orders the events.
CREATE TABLE run_progress (
    run_id    bigint PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    seq       bigint NOT NULL DEFAULT 1,
    step      text NOT NULL DEFAULT '',
    fraction  double precision NOT NULL DEFAULT 0,
    message   text NOT NULL DEFAULT '',
    status    text NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX run_steps_lease_idx ON run_steps (lease_until) WHERE status = 'RUNNING';
CREATE INDEX run_steps_queued_idx ON run_steps (run_id) WHERE status = 'QUEUED';

-- +goose Down
DROP INDEX run_steps_queued_idx;
DROP INDEX run_steps_lease_idx;
DROP TABLE run_progress;
DROP TABLE run_step_tasks;

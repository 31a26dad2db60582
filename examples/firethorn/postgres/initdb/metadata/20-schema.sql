-- Query history: one row per submitted query; results kept for the most recent ones
-- (the service prunes older results, so a tester looping for days stays bounded).
\connect firethorn
SET ROLE firethorn;

CREATE TABLE queries (
    id          bigserial PRIMARY KEY,
    sql         text NOT NULL,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    submitted   timestamptz NOT NULL DEFAULT now(),
    started     timestamptz,
    finished    timestamptz,
    row_count   integer,
    truncated   boolean,
    elapsed_ms  double precision,
    error       text,
    sqlstate    text
);
CREATE INDEX queries_unfinished ON queries (id) WHERE status IN ('queued', 'running');

CREATE TABLE results (
    query_id  bigint PRIMARY KEY REFERENCES queries (id) ON DELETE CASCADE,
    columns   json NOT NULL,
    rows      json NOT NULL
);

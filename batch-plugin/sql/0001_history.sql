-- krj schema version 1: the runs, the files they published (their
-- validated bytes), every row of every week, and the principals.
--
-- Applied by "krj-batch migrate" in one transaction, recorded in
-- krj_schema.  A migration is never edited once released: a change is a
-- new file with the next number.

-- Each published file once, by the SHA-256 of its validated bytes.
CREATE TABLE krj_files (
    sha256          text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size            bigint NOT NULL CHECK (size >= 0),
    content         bytea NOT NULL
);

-- One row per generation published (a run that changed nothing adds none).
-- generation is the snapshot's ($krj_snapshot); input_digest what it was
-- made from, so that a second node ingesting the same files adopts the
-- first one's generation time and publishes the same bytes.
CREATE TABLE krj_runs (
    id              bigserial PRIMARY KEY,
    generation      text NOT NULL UNIQUE
                    CHECK (generation ~ '^[0-9a-f]{16}$'),
    input_digest    text NOT NULL CHECK (input_digest ~ '^[0-9a-f]{64}$'),
    generated_at    timestamptz NOT NULL,
    signal_date     date NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL,
    host            text NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('published', 'partial')),
    warnings        integer NOT NULL CHECK (warnings >= 0),
    recorded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX krj_runs_input_digest ON krj_runs (input_digest);

-- What each generation is made of, in snapshot order: a follower rebuilds
-- the same snapshot from these rows and the files' bytes.
CREATE TABLE krj_run_files (
    run_id          bigint NOT NULL REFERENCES krj_runs ON DELETE CASCADE,
    position        integer NOT NULL,
    category        text NOT NULL,
    label           text NOT NULL,
    signal_date     date NOT NULL,
    source_file     text NOT NULL,
    sha256          text NOT NULL REFERENCES krj_files,
    rows            integer NOT NULL,
    PRIMARY KEY (run_id, position),
    UNIQUE (run_id, category)
);

-- Every file ever recorded for a category's week: a corrected file for
-- the same week is the next revision; the newest one's rows are in
-- krj_rows.
CREATE TABLE krj_weeks (
    category        text NOT NULL,
    signal_date     date NOT NULL,
    revision        integer NOT NULL CHECK (revision >= 1),
    sha256          text NOT NULL REFERENCES krj_files,
    run_id          bigint NOT NULL REFERENCES krj_runs,
    source_file     text NOT NULL,
    rows            integer NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (category, signal_date, revision)
);

-- Every row of the newest revision of every week: the cells as the API
-- types them (a JSON number as that number, an empty cell null, else a
-- string); signal and prior as they are in the file, NULL when empty or
-- when the category has no such column.
CREATE TABLE krj_rows (
    category        text NOT NULL,
    signal_date     date NOT NULL,
    row_number      integer NOT NULL CHECK (row_number >= 1),
    revision        integer NOT NULL,
    ticker          text NOT NULL,
    signal          text,
    prior           text,
    cells           jsonb NOT NULL,
    PRIMARY KEY (category, signal_date, row_number)
);

-- a ticker's weekly history, and its transitions, in date order
CREATE INDEX krj_rows_history ON krj_rows (category, ticker, signal_date);

-- The lines of the key and user files, as krj-batch keys and users wrote
-- them; every node's follower rewrites its files from here.
CREATE TABLE krj_principals (
    kind            text NOT NULL CHECK (kind IN ('key', 'user')),
    name            text NOT NULL,
    line            text NOT NULL,
    position        bigserial,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, name)
);

-- Counters: 'principals' grows with every change of krj_principals, so
-- that a follower compares one number.
CREATE TABLE krj_state (
    name            text PRIMARY KEY,
    value           bigint NOT NULL
);

INSERT INTO krj_state (name, value) VALUES ('principals', 0);

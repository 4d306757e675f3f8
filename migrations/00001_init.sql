-- The first schema of labgrid: classes, their students, every student's
-- current result per check, the timeline of status changes, scan runs and
-- the grader's memory between scans.

-- +goose Up
CREATE DOMAIN result_status AS text
    CHECK (VALUE IN ('pass', 'warn', 'fail', 'blocked', 'error', 'pending'));

CREATE TABLE classes (
    id                    bigserial PRIMARY KEY,
    name                  text NOT NULL CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
    -- Overrides of the built-in rubric, as YAML; '' keeps the defaults.
    rubric_yaml           text NOT NULL DEFAULT '',
    scan_interval_seconds integer NOT NULL DEFAULT 15 CHECK (scan_interval_seconds > 0),
    created_at            timestamptz NOT NULL DEFAULT now()
);
-- "Demo" and "demo" would be two classes nobody can tell apart.
CREATE UNIQUE INDEX classes_name_key ON classes (lower(name));

CREATE TABLE students (
    id              bigserial PRIMARY KEY,
    class_id        bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    login           text NOT NULL CHECK (login <> ''),
    display_name    text NOT NULL DEFAULT '',
    account_id      text NOT NULL,
    role_arn        text NOT NULL DEFAULT '',
    external_id     text NOT NULL DEFAULT '',
    region          text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    sis_id          text NOT NULL DEFAULT '',
    section         text NOT NULL DEFAULT '',
    -- The access token itself is never stored: it is derived from the salt
    -- and the server's secret, and looked up by its SHA-256.
    token_hash      bytea NOT NULL UNIQUE,
    token_salt      bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_scanned_at timestamptz
-- Every scan sets last_scanned_at: room on each page lets PostgreSQL update
-- the row in place (HOT) without touching the indexes.
) WITH (fillfactor = 50);
CREATE UNIQUE INDEX students_class_login_key ON students (class_id, lower(login));

-- The current result of every (student, check). A row is written only when
-- something a reader sees changed, so an idle class writes nothing here.
CREATE TABLE results (
    student_id      bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    check_id        text NOT NULL,
    -- The last judged status; 'error' only while nothing was ever judged.
    status          result_status NOT NULL,
    points          integer NOT NULL,
    max_points      integer NOT NULL,
    required        boolean NOT NULL,
    message_ja      text NOT NULL DEFAULT '',
    message_en      text NOT NULL DEFAULT '',
    hint_ja         text NOT NULL DEFAULT '',
    hint_en         text NOT NULL DEFAULT '',
    evidence        text[] NOT NULL DEFAULT '{}',
    observed_at     timestamptz NOT NULL,
    first_passed_at timestamptz,
    changed_at      timestamptz NOT NULL,
    -- Set while labgrid cannot look (an AWS error): shown beside the
    -- judged status, never instead of it.
    error_ja        text,
    error_en        text,
    error_at        timestamptz,
    PRIMARY KEY (student_id, check_id),
    CHECK ((error_en IS NULL) = (error_at IS NULL))
-- Room for in-place (HOT) updates, as for students.
) WITH (fillfactor = 50);

-- The timeline: one row per status change, never updated.
CREATE TABLE result_changes (
    id          bigserial PRIMARY KEY,
    student_id  bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    check_id    text NOT NULL,
    from_status result_status,
    to_status   result_status NOT NULL,
    message_ja  text NOT NULL DEFAULT '',
    message_en  text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL
);
CREATE INDEX result_changes_student_at ON result_changes (student_id, at, id);

CREATE TABLE scan_runs (
    id             bigserial PRIMARY KEY,
    class_id       bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    trigger        text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'cli')),
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL,
    targets        integer NOT NULL,
    failed_targets integer NOT NULL,
    aws_calls      integer NOT NULL,
    error_summary  text NOT NULL DEFAULT ''
);
CREATE INDEX scan_runs_class_started ON scan_runs (class_id, started_at DESC);

-- What is kept of a student from one scan to the next: the grader's memory
-- (grader.Memory) and a fingerprint of each stored result, so that a scan
-- compares itself with one row per student instead of reading every result
-- back. Only SaveScan writes it, with the results.
CREATE TABLE student_memory (
    student_id     bigint PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    writer         text NOT NULL DEFAULT '',
    writer_changed boolean NOT NULL DEFAULT false,
    result_index   bytea NOT NULL DEFAULT ''
-- Room for in-place (HOT) updates, as for students.
) WITH (fillfactor = 50);

-- +goose Down
DROP TABLE student_memory;
DROP TABLE scan_runs;
DROP TABLE result_changes;
DROP TABLE results;
DROP TABLE students;
DROP TABLE classes;
DROP DOMAIN result_status;

-- +goose Up
-- A student's raised hand: open until the instructor marks it done or the
-- student withdraws it. Kept afterwards: the student's timeline and the
-- export count them.
CREATE TABLE help_requests (
    id           bigserial PRIMARY KEY,
    student_id   bigint NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    message      text NOT NULL DEFAULT '' CHECK (char_length(message) <= 200),
    raised_at    timestamptz NOT NULL,
    on_my_way_at timestamptz,
    done_at      timestamptz,
    withdrawn_at timestamptz,
    -- A request ends one way.
    CHECK (done_at IS NULL OR withdrawn_at IS NULL)
);
-- One open request per student.
CREATE UNIQUE INDEX help_requests_open ON help_requests (student_id)
    WHERE done_at IS NULL AND withdrawn_at IS NULL;
CREATE INDEX help_requests_student ON help_requests (student_id, raised_at);

-- The instructor's messages to every student of a class, as typed (one
-- language or both), shown until withdrawn; withdrawn ones stay as history.
CREATE TABLE announcements (
    id           bigserial PRIMARY KEY,
    class_id     bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    text         text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 500),
    created_at   timestamptz NOT NULL,
    withdrawn_at timestamptz
);
CREATE INDEX announcements_class ON announcements (class_id, created_at);

-- +goose Down
DROP TABLE announcements;
DROP TABLE help_requests;

-- +goose Up
-- The labs a class is judged with, in order: a shipped lab by its id
-- (source empty), or an instructor's lab file kept whole with its SHA-256,
-- so that every replica grades with the same text. Classes made before
-- classes picked their labs were judged with the afternoon lab alone.
CREATE TABLE class_labs (
    class_id bigint NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0 AND position < 16),
    lab_id   text NOT NULL CHECK (lab_id <> '' AND octet_length(lab_id) <= 64),
    source   bytea NOT NULL DEFAULT '' CHECK (octet_length(source) <= 262144),
    sha256   text NOT NULL DEFAULT '',
    PRIMARY KEY (class_id, position),
    UNIQUE (class_id, lab_id),
    CHECK (CASE WHEN octet_length(source) = 0 THEN sha256 = '' ELSE sha256 ~ '^[0-9a-f]{64}$' END)
);
INSERT INTO class_labs (class_id, position, lab_id) SELECT id, 0, 'step-3' FROM classes;

-- +goose Down
DROP TABLE class_labs;

-- +goose Up
-- Two things that make SaveScan faster.

-- SaveScan writes a timeline row per status change: 850 for a 5% change
-- of 1,000 students on 17 checks, and checking each row's student (a
-- locking lookup per row) cost a quarter of the insert. The rows are
-- written under the class lock, by ids read under it, so the check never
-- fails; what the foreign key still did, deleting a student's timeline with
-- them, a trigger does, once per statement.
ALTER TABLE result_changes DROP CONSTRAINT result_changes_student_id_fkey;
-- +goose StatementBegin
CREATE FUNCTION delete_students_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM result_changes c USING gone WHERE c.student_id = gone.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER students_timeline AFTER DELETE ON students
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delete_students_timeline();

-- Every write of a class's students, results or student_memory bumps
-- scan_version, under the class lock: a process that saved the last scan
-- of the class (and so knows its fingerprints) skips reading them back
-- when the version is still the one it wrote.
ALTER TABLE classes ADD COLUMN scan_version bigint NOT NULL DEFAULT 0;
-- A save also asks whether a scan run came since its own (a labgrid that
-- knows no scan_version saved): the few runs after an id, of one class.
CREATE INDEX scan_runs_class_id ON scan_runs (class_id, id);

-- +goose Down
DROP INDEX scan_runs_class_id;
ALTER TABLE classes DROP COLUMN scan_version;
DROP TRIGGER students_timeline ON students;
DROP FUNCTION delete_students_timeline();
DELETE FROM result_changes c WHERE NOT EXISTS (SELECT FROM students s WHERE s.id = c.student_id);
ALTER TABLE result_changes ADD CONSTRAINT result_changes_student_id_fkey
    FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE;

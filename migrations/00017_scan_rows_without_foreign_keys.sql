-- +goose Up
-- A scan updates one results row per changed result and one student_memory
-- row per scanned student, and the foreign keys of both to students cost
-- each of those updates a trigger's look at its key (a fifteenth of a
-- 1,000-student save). As for the timeline (migration 00011), the rows are
-- written under the class lock, for ids read under it, and a trigger does
-- what the keys still did: delete a student's rows with them, once per
-- statement.
ALTER TABLE results DROP CONSTRAINT results_student_id_fkey;
ALTER TABLE student_memory DROP CONSTRAINT student_memory_student_id_fkey;

DROP TRIGGER students_timeline ON students;
DROP FUNCTION delete_students_timeline();
-- +goose StatementBegin
CREATE FUNCTION delete_students_scan_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM result_changes c USING gone WHERE c.student_id = gone.id;
    DELETE FROM results r USING gone WHERE r.student_id = gone.id;
    DELETE FROM student_memory m USING gone WHERE m.student_id = gone.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER students_scan_rows AFTER DELETE ON students
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION delete_students_scan_rows();

-- +goose Down
DROP TRIGGER students_scan_rows ON students;
DROP FUNCTION delete_students_scan_rows();
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

DELETE FROM results r WHERE NOT EXISTS (SELECT FROM students s WHERE s.id = r.student_id);
DELETE FROM student_memory m WHERE NOT EXISTS (SELECT FROM students s WHERE s.id = m.student_id);
ALTER TABLE results ADD CONSTRAINT results_student_id_fkey
    FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE;
ALTER TABLE student_memory ADD CONSTRAINT student_memory_student_id_fkey
    FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE;

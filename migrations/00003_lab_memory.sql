-- +goose Up
-- What the grader keeps of a student between scans is each lab's memory
-- values, keyed "<lab>/<name>" ({"step-3/writer": {"value": …, "changed":
-- …}}), no longer two columns of one workshop: the writer columns become
-- the step-3 lab's memory.writer.
ALTER TABLE student_memory ADD COLUMN memory jsonb NOT NULL DEFAULT '{}';
UPDATE student_memory
SET memory = jsonb_build_object('step-3/writer', jsonb_build_object('value', writer, 'changed', writer_changed))
WHERE writer <> '' OR writer_changed;
ALTER TABLE student_memory DROP COLUMN writer, DROP COLUMN writer_changed;

-- +goose Down
ALTER TABLE student_memory
    ADD COLUMN writer text NOT NULL DEFAULT '',
    ADD COLUMN writer_changed boolean NOT NULL DEFAULT false;
UPDATE student_memory
SET writer = coalesce(memory -> 'step-3/writer' ->> 'value', ''),
    writer_changed = coalesce((memory -> 'step-3/writer' ->> 'changed')::boolean, false);
ALTER TABLE student_memory DROP COLUMN memory;

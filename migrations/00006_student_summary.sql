-- +goose Up
-- One row per student standing for their current results: each check's
-- status, points, first pass, cost and error, in arrays ordered by check
-- id (byte order), so that the grid, the export and the metrics read a row
-- per student instead of a row per result. Messages, hints and evidence
-- stay in results. SaveScan refreshes the rows of the students whose
-- results it changed, in its transaction, as SetClassLabs does for the
-- results it drops; a student with no result has no row.
CREATE TABLE student_summary (
    student_id      bigint PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    check_ids       text[] NOT NULL,
    statuses        text[] NOT NULL,
    points          integer[] NOT NULL,
    first_passed_at timestamptz[] NOT NULL, -- NULL elements: never passed
    cost_per_hour   double precision[] NOT NULL,
    -- Why labgrid could not look at the last scans; NULL elements: no error.
    error_ja        text[] NOT NULL,
    error_en        text[] NOT NULL
-- Rewritten in place on every change (HOT), as results are.
) WITH (fillfactor = 50);

-- refresh_student_summary makes the summaries of the given students those
-- of their results: the only writer of student_summary.
-- +goose StatementBegin
CREATE FUNCTION refresh_student_summary(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    -- The students left with no result lose their row: those of ids the
    -- insert did not write (a probe of results per student costs more).
    WITH fresh AS (
    INSERT INTO student_summary AS s (student_id, check_ids, statuses, points, first_passed_at,
        cost_per_hour, error_ja, error_en)
    -- One sort for the seven arrays: the rows come to the aggregates in
    -- the subquery's order (an ORDER BY in each aggregate sorts seven
    -- times).
    SELECT r.student_id, array_agg(r.check_id), array_agg(r.status), array_agg(r.points),
        array_agg(r.first_passed_at), array_agg(r.cost_per_hour), array_agg(r.error_ja), array_agg(r.error_en)
    FROM (
        SELECT student_id, check_id, status::text, points, first_passed_at, cost_per_hour,
            CASE WHEN error_at IS NULL THEN NULL ELSE coalesce(error_ja, '') END AS error_ja,
            CASE WHEN error_at IS NULL THEN NULL ELSE error_en END AS error_en
        FROM results
        WHERE student_id = ANY(ids)
        ORDER BY student_id, check_id COLLATE "C"
    ) r
    GROUP BY r.student_id
    ON CONFLICT (student_id) DO UPDATE SET
        check_ids = EXCLUDED.check_ids, statuses = EXCLUDED.statuses, points = EXCLUDED.points,
        first_passed_at = EXCLUDED.first_passed_at, cost_per_hour = EXCLUDED.cost_per_hour,
        error_ja = EXCLUDED.error_ja, error_en = EXCLUDED.error_en
    RETURNING student_id
    )
    DELETE FROM student_summary s
    WHERE s.student_id = ANY(ids) AND s.student_id NOT IN (SELECT student_id FROM fresh);
$$;
-- +goose StatementEnd

SELECT refresh_student_summary(array(SELECT DISTINCT student_id FROM results));

-- +goose Down
DROP FUNCTION refresh_student_summary(bigint[]);
DROP TABLE student_summary;

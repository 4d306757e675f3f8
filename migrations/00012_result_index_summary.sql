-- +goose Up
-- A student's summary (each check's status, points, first pass, cost and
-- error: what the grid, the export and the metrics read) moves into their
-- result fingerprints, student_memory.result_index, which SaveScan writes
-- whole from what it already knows: a scan then writes one row per student
-- besides the results, where it wrote two and patched the arrays of
-- student_summary in place (the third of a 1,000-student save).
--
-- build_result_index writes the result index of the given students from
-- their results, in the encoding of store/fingerprint.go (version 3):
-- the check ids in byte order, each result's digest unknown (flag 2: the
-- next scan rewrites the result once and learns it). SaveScan uses it for
-- a student whose index was lost; this migration, for every student.
-- +goose StatementBegin
CREATE FUNCTION build_result_index(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO student_memory AS m (student_id, result_index)
    SELECT s.id, '\x03'::bytea || coalesce((
        SELECT string_agg(
            int4send(octet_length(r.check_id)) || convert_to(r.check_id, 'UTF8')
            -- the status code, as statusCodes numbers them; the flags
            || set_byte(set_byte('\x0000'::bytea, 0,
                    coalesce(array_position(ARRAY['pass', 'warn', 'fail', 'blocked', 'error', 'pending'], r.status::text), 0)),
                1, 2 | CASE WHEN r.error_at IS NULL THEN 0 ELSE 1 END | CASE WHEN r.first_passed_at IS NULL THEN 0 ELSE 4 END)
            || int8send(0) || int8send(0) -- digest and error fingerprint: unknown
            || int4send(r.points) || float8send(r.cost_per_hour)
            || int8send(coalesce((extract(epoch FROM r.first_passed_at - timestamptz '2000-01-01 00:00:00+00') * 1000000)::bigint, 0))
            || CASE WHEN r.error_at IS NULL THEN '\x'::bytea ELSE
                int4send(octet_length(coalesce(r.error_ja, ''))) || convert_to(coalesce(r.error_ja, ''), 'UTF8')
                || int4send(octet_length(r.error_en)) || convert_to(r.error_en, 'UTF8') END,
            '\x'::bytea ORDER BY r.check_id COLLATE "C")
        FROM results r WHERE r.student_id = s.id), '\x'::bytea)
    FROM students s
    WHERE s.id = ANY(ids)
    ON CONFLICT (student_id) DO UPDATE SET result_index = EXCLUDED.result_index;
$$;
-- +goose StatementEnd

SELECT build_result_index(array(SELECT id FROM students));
-- Every cached index is older than this one.
UPDATE classes SET scan_version = scan_version + 1;

DROP FUNCTION refresh_student_summary(bigint[]);
DROP TABLE student_summary;

-- +goose Down
CREATE TABLE student_summary (
    student_id      bigint PRIMARY KEY REFERENCES students (id) ON DELETE CASCADE,
    check_ids       text[] NOT NULL,
    statuses        text[] NOT NULL,
    points          integer[] NOT NULL,
    first_passed_at timestamptz[] NOT NULL,
    cost_per_hour   double precision[] NOT NULL,
    error_ja        text[] NOT NULL,
    error_en        text[] NOT NULL
) WITH (fillfactor = 50);

-- +goose StatementBegin
CREATE FUNCTION refresh_student_summary(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    WITH fresh AS (
    INSERT INTO student_summary AS s (student_id, check_ids, statuses, points, first_passed_at,
        cost_per_hour, error_ja, error_en)
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
-- The older encodings know no version 3: the next scans rewrite the
-- results and their fingerprints.
UPDATE student_memory SET result_index = '';
UPDATE classes SET scan_version = scan_version + 1;
DROP FUNCTION build_result_index(bigint[]);

package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"labgrid/grader"
)

// ResultCount is how many students of a class have one status on one
// check: what the operators' dashboards plot, with no student named.
type ResultCount struct {
	Class    string
	CheckID  string
	Status   grader.Status // error when the last scans could not look
	Students int
}

// ResultCounts counts the current results of every class by check and
// status, from the students' summaries (a row per student). A result
// whose last scans failed counts as error, whatever the judged status kept
// beside it.
func (s *Store) ResultCounts(ctx context.Context) ([]ResultCount, error) {
	rows, err := s.db.Query(ctx, `
		SELECT c.name, r.check_id,
		       CASE WHEN r.error_en IS NOT NULL THEN 'error' ELSE r.status END AS shown,
		       count(*)
		FROM student_summary ss
		JOIN students st ON st.id = ss.student_id
		JOIN classes c ON c.id = st.class_id
		CROSS JOIN LATERAL unnest(ss.check_ids, ss.statuses, ss.error_en) AS r(check_id, status, error_en)
		GROUP BY c.name, r.check_id, shown
		ORDER BY c.name, r.check_id, shown`)
	if err != nil {
		return nil, fmt.Errorf("result counts: %w", err)
	}
	counts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ResultCount, error) {
		var (
			rc     ResultCount
			status string
		)
		err := row.Scan(&rc.Class, &rc.CheckID, &status, &rc.Students)
		rc.Status = grader.Status(status)
		return rc, err
	})
	if err != nil {
		return nil, fmt.Errorf("result counts: %w", err)
	}
	return counts, nil
}

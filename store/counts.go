package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

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
		SELECT c.name, m.result_index
		FROM student_memory m
		JOIN students st ON st.id = m.student_id
		JOIN classes c ON c.id = st.class_id
		ORDER BY c.name`)
	if err != nil {
		return nil, fmt.Errorf("result counts: %w", err)
	}
	defer rows.Close()
	var (
		counts []ResultCount
		class  []ResultCount         // of the class being read
		at     = map[[2]string]int{} // its counts' places in class
		d      summaryDecoder
		name   string
	)
	flush := func() {
		slices.SortFunc(class, func(a, b ResultCount) int {
			return cmp.Or(strings.Compare(a.CheckID, b.CheckID), strings.Compare(string(a.Status), string(b.Status)))
		})
		counts = append(counts, class...)
		class = class[:0]
		clear(at)
	}
	for rows.Next() {
		if err := binaryColumn(rows, 1); err != nil {
			return nil, fmt.Errorf("result counts: %w", err)
		}
		raw := rows.RawValues()
		if len(class) > 0 && string(raw[0]) != name {
			flush()
		}
		name = string(raw[0])
		// What the grid shows: an unreadable index is no result.
		for _, c := range d.decode(raw[1]).Checks {
			shown := c.Status
			if c.HasError {
				shown = grader.StatusError
			}
			key := [2]string{c.CheckID, string(shown)}
			i, ok := at[key]
			if !ok {
				i = len(class)
				at[key] = i
				class = append(class, ResultCount{Class: name, CheckID: c.CheckID, Status: shown})
			}
			class[i].Students++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("result counts: %w", err)
	}
	flush()
	return counts, nil
}

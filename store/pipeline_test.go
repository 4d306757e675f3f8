package store

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"labgrid/internal/pgtest"
)

// A pipeline's statements run in order, NULLs and empty values included;
// the first failing one is reported by finish and the ones after it do not
// run.
func TestPipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, true))
	const (
		create = "CREATE TEMP TABLE p (n int, s text, b bytea) ON COMMIT DROP"
		insert = "INSERT INTO p SELECT * FROM unnest($1::int[], $2::text[], $3::bytea[])"
		divide = "INSERT INTO p (n) SELECT 1 / $1::int"
	)
	run := func(statements ...statement) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, create); err != nil {
				return err
			}
			pl, err := startPipeline(ctx, tx, []string{insert, divide})
			if err != nil {
				return err
			}
			defer pl.abandon()
			for _, st := range statements {
				if err := pl.send(st.sql, st.args...); err != nil {
					return err
				}
			}
			if err := pl.finish(); err != nil {
				return err
			}
			var got string
			err = tx.QueryRow(ctx, "SELECT string_agg(coalesce(n::text, '-') || ':' || coalesce(s, '-') || ':' || coalesce(encode(b, 'hex'), '-'), ' ' ORDER BY n) FROM p").Scan(&got)
			if err == nil && got != "1:a:- 2::00 3:-: 4:-:-" {
				t.Errorf("rows %q", got)
			}
			return err
		})
	}
	a := "a"
	empty := ""
	if err := run(
		statement{insert, []any{[]int32{1, 2}, []*string{&a, &empty}, [][]byte{nil, {0}}}},
		statement{insert, []any{[]int32{3}, []*string{nil}, [][]byte{{}}}},
		statement{insert, []any{[]int32{4}, []*string{nil}, [][]byte{nil}}},
	); err != nil {
		t.Fatal(err)
	}
	err := run(
		statement{divide, []any{int32(0)}},
		statement{insert, []any{[]int32{5}, []*string{nil}, [][]byte{nil}}},
	)
	if err == nil || !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("a failing statement: %v", err)
	}
	if err := run(statement{"SELECT 1", nil}); err == nil || !strings.Contains(err.Error(), "not prepared") {
		t.Errorf("a statement not prepared: %v", err)
	}
	// The connections are whole again after each.
	for range 3 {
		if err := run(statement{insert, []any{[]int32{1, 2, 3, 4}, []*string{&a, &empty, nil, nil}, [][]byte{nil, {0}, {}, nil}}}); err != nil {
			t.Fatal(err)
		}
	}
}

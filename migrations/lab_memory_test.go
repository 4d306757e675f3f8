package migrations_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"labgrid/internal/pgtest"
	"labgrid/migrations"
)

// A failover seen before the upgrade is still remembered after it: the
// writer columns become the step-3 lab's memory value.
func TestLabMemoryMigrationKeepsTheWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, false))
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	// The same files as the embedded ones, to stop at version 2.
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("."), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO classes (id, name) VALUES (1, 'c');
		INSERT INTO students (id, class_id, login, account_id, token_hash, token_salt) SELECT i, 1, 'user0' || i, '111122223333', sha256(i::text::bytea), ''::bytea FROM generate_series(1, 3) AS i;
		INSERT INTO student_memory (student_id, writer, writer_changed) VALUES (1, 'wp-user01-slave', true), (2, 'wp-user02', false), (3, '', false)`); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{
		1: `{"step-3/writer": {"value": "wp-user01-slave", "changed": true}}`,
		2: `{"step-3/writer": {"value": "wp-user02", "changed": false}}`,
		3: `{}`,
	}
	for id, w := range want {
		var same bool
		if err := pool.QueryRow(ctx, "SELECT memory = $2::jsonb FROM student_memory WHERE student_id = $1", id, w).Scan(&same); err != nil {
			t.Fatal(err)
		}
		if !same {
			t.Errorf("student %d: memory is not %s", id, w)
		}
	}

	// And back down: the columns come back with their values.
	if _, err := p.DownTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	var writer string
	var changed bool
	if err := pool.QueryRow(ctx, "SELECT writer, writer_changed FROM student_memory WHERE student_id = 1").Scan(&writer, &changed); err != nil {
		t.Fatal(err)
	}
	if writer != "wp-user01-slave" || !changed {
		t.Errorf("after down: writer %q changed %v", writer, changed)
	}
}

// Classes made before classes picked their labs keep being judged with
// the afternoon lab, the one lab there was.
func TestClassLabsMigrationGivesTheDefaultLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, pgtest.NewDatabase(t, false))
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS("."), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO classes (id, name) VALUES (1, 'a'), (2, 'b')`); err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := pool.QueryRow(ctx, `SELECT string_agg(class_id || ':' || position || ':' || lab_id || ':' || octet_length(source) || ':' || sha256, ' ' ORDER BY class_id)
		FROM class_labs`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "1:0:step-3:0: 2:0:step-3:0:" {
		t.Errorf("class_labs after the migration = %q", got)
	}
	// A file's hash is its text's, and a shipped lab has none.
	if _, err := pool.Exec(ctx, `INSERT INTO class_labs (class_id, position, lab_id, sha256) VALUES (1, 1, 'x', 'abc')`); err == nil {
		t.Error("a hash without a file was stored")
	}
	if _, err := pool.Exec(ctx, `INSERT INTO class_labs (class_id, position, lab_id, source) VALUES (1, 1, 'x', 'id: x')`); err == nil {
		t.Error("a file without its hash was stored")
	}
	if _, err := p.DownTo(ctx, 4); err != nil {
		t.Fatalf("down: %v", err)
	}
}

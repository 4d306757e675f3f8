package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"labgrid/grader"
	"labgrid/internal/pgtest"
	"labgrid/roster"
)

// A class at the size limit is saved whole, first with every result new and
// then with every result changed, however many checks the rubric has; and
// no statement grows with the class: PostgreSQL takes no protocol message
// over 1 GB, which a single statement of every result of a class reached.
// (With twice the checks, only the first scan: the heavier of the two,
// each a few seconds under -race.)
func TestSaveScanAtClassSizeLimit(t *testing.T) {
	t.Parallel()
	// The rubric of today, and one twice its size (more labs).
	doubled := checkIDs()
	for _, id := range checkIDs() {
		doubled = append(doubled, id+"-again")
	}
	for _, tc := range []struct {
		name   string
		checks []string
		scans  []grader.Status // every result of a scan has the status
	}{
		{"default rubric", checkIDs(), []grader.Status{grader.StatusFail, grader.StatusPass}},
		{"twice the checks", doubled, []grader.Status{grader.StatusFail}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testSaveScanAtLimit(t, roster.DefaultMaxClassSize, tc.checks, tc.scans)
		})
	}
}

func testSaveScanAtLimit(t *testing.T, n int, checks []string, scans []grader.Status) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := pgtest.NewDatabase(t, true)
	meter := &wireMeter{}
	conn := meteredConn(t, ctx, url, meter)
	s := New(conn)

	listener, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.Background())
	if _, err := listener.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		t.Fatal(err)
	}

	c := mustClass(t, ctx, s, "limit")
	students := seedStudents(t, ctx, conn, c.ID, n)
	total := n * len(checks)

	for i, st := range scans {
		res := scanOfChecks(students, checks, testTime.Add(time.Duration(i)*time.Minute), allStatus(st))
		meter.reset()
		sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
		if err != nil {
			t.Fatalf("scan %d: %v", i+1, err)
		}
		if largest := meter.largest(); largest > maxStatementBytes+64<<10 {
			t.Errorf("scan %d: a message of %d bytes was sent, want none over %d", i+1, largest, maxStatementBytes+64<<10)
		}
		if sum.ChangedResults != total || len(sum.ChangedStudents) != n {
			t.Errorf("scan %d: %d results of %d students changed, want %d of %d", i+1, sum.ChangedResults, len(sum.ChangedStudents), total, n)
		}
		if got := count(t, ctx, s, "SELECT count(*) FROM results WHERE status = $1", string(st)); got != total {
			t.Errorf("scan %d: %d results are %s, want %d", i+1, got, st, total)
		}
		if got := count(t, ctx, s, "SELECT count(*) FROM result_changes WHERE to_status = $1", string(st)); got != total {
			t.Errorf("scan %d: %d timeline rows to %s, want %d", i+1, got, st, total)
		}
		if got := count(t, ctx, s, "SELECT count(*) FROM student_memory WHERE length(result_index) > 0"); got != n {
			t.Errorf("scan %d: %d students have fingerprints, want %d", i+1, got, n)
		}
		if got := count(t, ctx, s, "SELECT count(*) FROM student_memory WHERE scanned_at = $1", res.FinishedAt); got != n {
			t.Errorf("scan %d: %d students marked scanned, want %d", i+1, got, n)
		}
		// Every student is announced, in notifications PostgreSQL takes.
		var announced []int64
		for len(announced) < n {
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			note, err := listener.WaitForNotification(wctx)
			cancel()
			if err != nil {
				t.Fatalf("scan %d: %d of %d students announced: %v", i+1, len(announced), n, err)
			}
			var msg Notification
			if err := json.Unmarshal([]byte(note.Payload), &msg); err != nil || msg.ClassID != c.ID {
				t.Fatalf("scan %d: notification %.100q: %v", i+1, note.Payload, err)
			}
			announced = append(announced, msg.StudentIDs...)
		}
		if !slices.Equal(announced, sum.ChangedStudents) {
			t.Errorf("scan %d: %d students announced, want the %d changed", i+1, len(announced), n)
		}
	}
}

// A scan too big for one statement is written by several, each row once,
// its evidence whole whatever it holds; and a failure in the last of them
// leaves nothing of the scan.
func TestSaveScanSplitsWrites(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "split", 6)
	ids := studentIDs(t, ctx, s, c.ID)
	checks := checkIDs()
	// 6 × 17 results of 24 KiB: several statements of maxStatementBytes.
	filler := strings.Repeat("x", 24<<10)
	evidence := func(login, check string, st grader.Status) []string {
		return []string{login + "/" + check + "/" + string(st), `"quoted"`, `back\slash`, "{braces}", "a,b", "NULL", "", " spaced ", "日本語", filler}
	}
	scan := func(i int, st grader.Status) *grader.ScanResult {
		res := scanOf(students, testTime.Add(time.Duration(i)*time.Minute), allStatus(st))
		for _, rep := range res.Reports {
			for k := range rep.Results {
				rep.Results[k].Evidence = evidence(rep.Student.Login, rep.Results[k].CheckID, st)
			}
		}
		return res
	}
	check := func(when string, st grader.Status) {
		t.Helper()
		for _, stu := range students {
			got := mustResults(t, ctx, s, ids[stu.Login])
			if len(got) != len(checks) {
				t.Fatalf("%s: %s has %d results, want %d", when, stu.Login, len(got), len(checks))
			}
			for _, r := range got {
				if want := evidence(stu.Login, r.CheckID, st); r.Status != st || !slices.Equal(r.Evidence, want) {
					t.Fatalf("%s: %s %s is %s with evidence %.80q, want %s with %.80q", when, stu.Login, r.CheckID, r.Status, r.Evidence, st, want)
				}
			}
		}
	}

	for i, st := range []grader.Status{grader.StatusFail, grader.StatusPass} {
		sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scan(i, st))
		if err != nil {
			t.Fatalf("scan %d: %v", i+1, err)
		}
		if sum.ChangedResults != len(students)*len(checks) {
			t.Errorf("scan %d: %d results changed, want %d", i+1, sum.ChangedResults, len(students)*len(checks))
		}
		check(fmt.Sprintf("scan %d", i+1), st)
	}
	results, memory, timeline := rowVersions(t, ctx, s, c.ID)
	if timeline != 2*len(students)*len(checks) {
		t.Errorf("%d timeline rows, want %d", timeline, 2*len(students)*len(checks))
	}

	// The last result of the last statement is refused by the database.
	bad := scan(2, grader.StatusFail)
	last := &bad.Reports[len(bad.Reports)-1]
	last.Results[len(last.Results)-1].Status = "bogus"
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, bad); err == nil {
		t.Fatal("a scan with a status the database refuses was saved")
	}
	check("after the failed scan", grader.StatusPass)
	results2, memory2, timeline2 := rowVersions(t, ctx, s, c.ID)
	if !slices.Equal(results, results2) || !slices.Equal(memory, memory2) || timeline != timeline2 {
		t.Error("the failed scan wrote rows")
	}
	if n := count(t, ctx, s, "SELECT count(*) FROM scan_runs WHERE class_id = $1", c.ID); n != 2 {
		t.Errorf("%d scan runs, want the 2 saved", n)
	}
}

func TestSpans(t *testing.T) {
	sizes := []int{10, maxStatementBytes - 10, 1, maxStatementBytes + 5, 3, 4, maxStatementBytes / 2, maxStatementBytes / 2}
	var got []span
	for sp := range spans(len(sizes), func(i int) int { return sizes[i] }) {
		got = append(got, sp)
	}
	want := []span{{0, 2, maxStatementBytes}, {2, 3, 1}, {3, 4, maxStatementBytes + 5}, {4, 7, 7 + maxStatementBytes/2}, {7, 8, maxStatementBytes / 2}}
	if !slices.Equal(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
	for range spans(0, nil) {
		t.Error("spans of no rows")
	}
}

// seedStudents adds n students to the class in one statement (an import
// of thousands is slow under -race) and returns them as the grader has
// them.
func seedStudents(t *testing.T, ctx context.Context, db *pgx.Conn, classID int64, n int) []grader.Student {
	t.Helper()
	_, err := db.Exec(ctx, `
		INSERT INTO students (class_id, login, account_id, token_salt, token_hash)
		SELECT $1::bigint, format('s%s', lpad(i::text, 6, '0')), '111122223333', '\x00', sha256(convert_to($1::bigint || '/' || i, 'UTF8'))
		FROM generate_series(1, $2::int) i`, classID, n)
	if err != nil {
		t.Fatal(err)
	}
	students := make([]grader.Student, n)
	for i := range students {
		students[i] = grader.Student{Login: fmt.Sprintf("s%06d", i+1), AccountID: "111122223333"}
	}
	return students
}

// scanOfChecks is scanOf on the given checks. Equal results share their
// strings, as thousands of copies would slow the test under -race.
func scanOfChecks(students []grader.Student, checks []string, at time.Time, status func(login, check string) grader.Status) *grader.ScanResult {
	res := scanOf(nil, at, status)
	res.Targets[0].Students = len(students)
	res.Reports = make([]grader.Report, len(students))
	made := map[[2]string]grader.Result{}
	for i, st := range students {
		rep := grader.Report{Student: st, Results: make([]grader.Result, 0, len(checks))}
		for _, id := range checks {
			s := status(st.Login, id)
			r, ok := made[[2]string{id, string(s)}]
			if !ok {
				r = result(id, s, at)
				made[[2]string{id, string(s)}] = r
			}
			rep.Results = append(rep.Results, r)
		}
		res.Reports[i] = rep
	}
	return res
}

// meteredConn is a connection to url whose protocol messages meter sizes.
func meteredConn(t *testing.T, ctx context.Context, url string, meter *wireMeter) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &meteredNetConn{Conn: c, meter: meter}, nil
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// wireMeter reads the client's side of the protocol: a startup message
// (its length first), then messages of a type byte and a length.
type wireMeter struct {
	mu      sync.Mutex
	started bool
	head    []byte // the current message's type and length, as they come
	left    int    // bytes of the current message still to come
	max     int    // the largest message since reset
}

func (m *wireMeter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.max = 0
}

func (m *wireMeter) largest() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.max
}

func (m *wireMeter) write(p []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(p) > 0 {
		if m.left > 0 {
			k := min(m.left, len(p))
			m.left -= k
			p = p[k:]
			continue
		}
		headLen := 5
		if !m.started {
			headLen = 4
		}
		k := min(headLen-len(m.head), len(p))
		m.head = append(m.head, p[:k]...)
		p = p[k:]
		if len(m.head) < headLen {
			return
		}
		size := int(binary.BigEndian.Uint32(m.head[headLen-4:]))
		m.max = max(m.max, size)
		m.left = size - 4
		m.head = m.head[:0]
		m.started = true
	}
}

type meteredNetConn struct {
	net.Conn
	meter *wireMeter
}

func (c *meteredNetConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.meter.write(p[:n])
	return n, err
}

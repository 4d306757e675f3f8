package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"labgrid/grader"
	"labgrid/internal/pgtest"
)

// BenchmarkSaveScan stores one scan cycle of a 200-student class on the 17
// checks of the built-in rubric where 5% of the results changed. Each
// iteration flips the same 5% back and forth, so every one writes 170
// results and 170 timeline rows.
func BenchmarkSaveScan(b *testing.B) { benchSaveScan(b, 200) }

// BenchmarkSaveScan1000 is BenchmarkSaveScan for 1,000 students (850
// changed results): the target is under 20 ms.
func BenchmarkSaveScan1000(b *testing.B) { benchSaveScan(b, 1000) }

func benchSaveScan(b *testing.B, n int) {
	ctx := context.Background()
	// One connection, so that its backend's CPU time is the saves'.
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(b, true))
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	s := New(pool)
	c, students := mustImport(b, ctx, s, "bench", n)
	scans, flipped := flippedScans(students)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scans[0]); err != nil {
		b.Fatal(err)
	}
	var backend int
	if err := pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		b.Fatal(err)
	}
	cpu0, cpuKnown := backendCPU(backend)

	i := 0
	for b.Loop() {
		i++
		res := scans[i%2]
		res.FinishedAt = testTime.Add(time.Duration(i) * time.Second)
		sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, res)
		if err != nil {
			b.Fatal(err)
		}
		if sum.ChangedResults != flipped {
			b.Fatalf("iteration %d wrote %d results, want %d", i, sum.ChangedResults, flipped)
		}
	}
	b.ReportMetric(float64(flipped), "changed/op")
	// The database's own CPU time per save: the part of a save on its
	// critical path, which this machine's drift moves less than the wall
	// clock (a PostgreSQL on another host is not measured).
	if cpu, ok := backendCPU(backend); ok && cpuKnown {
		b.ReportMetric(float64((cpu-cpu0).Microseconds())/1000/float64(b.N), "pg-cpu-ms/op")
	}
}

// backendCPU is the CPU time a PostgreSQL backend of this machine has run
// for (Linux's /proc/PID/schedstat), if it can be read.
func backendCPU(pid int) (time.Duration, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(stat))
	if len(fields) == 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(fields[0], 10, 64)
	return time.Duration(ns), err == nil
}

// BenchmarkClassSummaries1000 reads the grid of a 1,000-student class
// scanned on 17 checks: one summary row per student.
func BenchmarkClassSummaries1000(b *testing.B) {
	benchClassRead(b, func(ctx context.Context, s *Store, id int64) (int, error) {
		sums, err := s.ClassSummaries(ctx, id)
		return len(sums), err
	})
}

func benchClassRead(b *testing.B, read func(context.Context, *Store, int64) (int, error)) {
	ctx := context.Background()
	s := New(pgtest.NewPool(b, pgtest.NewDatabase(b, true)))
	c, students := mustImport(b, ctx, s, "bench", 1000)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime, allStatus(grader.StatusFail))); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if n, err := read(ctx, s, c.ID); err != nil || n != len(students) {
			b.Fatalf("read %d students, %v", n, err)
		}
	}
}

// BenchmarkPlanWrites1000 is the planning of BenchmarkSaveScan1000
// without the database: the Go side of a save on its critical path.
func BenchmarkPlanWrites1000(b *testing.B) {
	students := rosterOf(1000)
	scans, flipped := flippedScans(students)
	prev := previous{students: map[string]*storedStudent{}}
	for i, st := range students {
		prev.students[st.Login] = &storedStudent{id: int64(i + 1)}
	}
	apply(planWrites(scans[0], prev).stored)

	i := 0
	for b.Loop() {
		i++
		w := planWrites(scans[i%2], prev)
		if w.changedResults != flipped {
			b.Fatalf("iteration %d planned %d results, want %d", i, w.changedResults, flipped)
		}
		apply(w.stored)
		w.release()
	}
}

// flippedScans are two scans of students, every check failing, and the
// same with 5% of the results passing, spread over the students, and how
// many those are.
func flippedScans(students []grader.Student) ([2]*grader.ScanResult, int) {
	nChecks := len(checkIDs())
	flipped := map[[2]int]bool{}
	for i := 0; len(flipped) < len(students)*nChecks/20; i++ {
		flipped[[2]int{(i * 7) % len(students), (i * 3) % nChecks}] = true
	}
	state := func(flip bool) *grader.ScanResult {
		res := scanOf(students, testTime, allStatus(grader.StatusFail))
		for si := range res.Reports {
			for ci := range res.Reports[si].Results {
				if flip && flipped[[2]int{si, ci}] {
					r := &res.Reports[si].Results[ci]
					*r = result(r.CheckID, grader.StatusPass, r.ObservedAt)
				}
			}
		}
		return res
	}
	return [2]*grader.ScanResult{state(false), state(true)}, len(flipped)
}

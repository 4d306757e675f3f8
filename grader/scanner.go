package grader

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Group is the students reached through one target: one Snapshot serves
// them all.
type Group struct {
	Target   Target
	Students []Student
}

// Groups gathers students by target, in the order each target first
// appears in the roster. region fills a student's empty region.
func Groups(students []Student, region string) []Group {
	var groups []Group
	at := map[Target]int{}
	for _, st := range students {
		t := st.TargetOf(region)
		i, ok := at[t]
		if !ok {
			i = len(groups)
			at[t] = i
			groups = append(groups, Group{Target: t})
		}
		groups[i].Students = append(groups[i].Students, st)
	}
	return groups
}

// Prober sends the active probes the checks ask for (package prober): it
// fills snap.Probes with the answers of targets. It must return once ctx
// is done.
type Prober interface {
	Probe(ctx context.Context, snap *Snapshot, targets []ProbeTarget)
}

// Scanner takes one Snapshot per target and evaluates its students.
type Scanner struct {
	Source Source
	Judge  Judge
	// Prober, when set, is called between the snapshot and the evaluation
	// of a target, only when an enabled check asks for a probe. Without
	// it the checks that judge probes stay pending.
	Prober Prober
	// Concurrency is how many targets are scanned at once.
	Concurrency int
	Logger      *slog.Logger
	Now         func() time.Time
}

// TargetScan is what happened to one target during a scan.
type TargetScan struct {
	Target   Target
	Students int
	AWSCalls int
	Retries  int
	Duration time.Duration
	Err      error // nil when the snapshot was taken
}

// ScanResult is one pass over a roster.
type ScanResult struct {
	StartedAt  time.Time
	FinishedAt time.Time
	AWSCalls   int
	Targets    []TargetScan // in the order of Groups
	Reports    []Report     // in roster order
}

// Failed counts the targets that could not be looked at.
func (r *ScanResult) Failed() int {
	n := 0
	for _, t := range r.Targets {
		if t.Err != nil {
			n++
		}
	}
	return n
}

// Scan looks at every student of the roster. memory holds what the previous
// scan remembered per login (nil on the first). An error on one target
// makes its students' checks error and leaves the other targets alone.
func (s *Scanner) Scan(ctx context.Context, students []Student, memory map[string]Memory) *ScanResult {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	limit := max(s.Concurrency, 1)

	data := s.Judge.Collects() // once per scan: every target collects the same kinds
	groups := Groups(students, s.Judge.Region())
	res := &ScanResult{StartedAt: now(), Targets: make([]TargetScan, len(groups))}
	reports := make([][]Report, len(groups))

	var wg sync.WaitGroup
	sem := make(chan struct{}, limit)
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			res.Targets[i], reports[i] = s.scanGroup(ctx, g, data, memory, now, logger)
		}()
	}
	wg.Wait()

	byLogin := map[string]Report{}
	for i := range groups {
		res.AWSCalls += res.Targets[i].AWSCalls
		for _, rep := range reports[i] {
			byLogin[rep.Student.Login] = rep
		}
	}
	for _, st := range students {
		res.Reports = append(res.Reports, byLogin[st.Login])
	}
	res.FinishedAt = now()
	return res
}

func (s *Scanner) scanGroup(ctx context.Context, g Group, data []Data, memory map[string]Memory, now func() time.Time, logger *slog.Logger) (TargetScan, []Report) {
	start := now()
	ts := TargetScan{Target: g.Target, Students: len(g.Students)}
	var snap *Snapshot
	err := ctx.Err()
	if err == nil {
		snap, err = s.Source.Snapshot(ctx, g.Target, data)
	}
	ts.Duration = now().Sub(start)
	reports := make([]Report, 0, len(g.Students))
	if err != nil {
		ts.Err = err
		// A failed target still cost calls; sources that know say how many.
		var counted interface{ AWSCallCount() int }
		if errors.As(err, &counted) {
			ts.AWSCalls = counted.AWSCallCount()
		}
		reason := ErrorReason(err)
		logger.Warn("scan target failed", "target", g.Target.String(), "students", len(g.Students), "err", err)
		for _, st := range g.Students {
			reports = append(reports, s.Judge.ErrorReport(st, reason, now(), memory[st.Login]))
		}
		return ts, reports
	}
	ts.AWSCalls, ts.Retries = snap.AWSCalls, snap.Retries
	for d, err := range snap.Unavailable {
		logger.Warn("scan target: data unavailable", "target", g.Target.String(), "data", string(d), "err", err)
	}
	logger.Debug("scan target", "target", g.Target.String(), "students", len(g.Students), "aws_calls", snap.AWSCalls, "duration", ts.Duration)
	judging := s.Judge.Prepare(snap)
	if s.Prober != nil {
		if targets := probeTargets(judging, g.Students); len(targets) > 0 {
			probeStart := now()
			s.Prober.Probe(ctx, snap, targets)
			logger.Debug("probe target", "target", g.Target.String(), "probes", len(snap.Probes), "duration", now().Sub(probeStart))
			judging = s.Judge.Prepare(snap) // with the answers
		}
	}
	for _, st := range g.Students {
		reports = append(reports, judging.Evaluate(st, memory[st.Login]))
	}
	return ts, reports
}

// probeTargets gathers the students' probe targets, each URL once.
func probeTargets(j Judging, students []Student) []ProbeTarget {
	var out []ProbeTarget
	seen := map[string]bool{}
	for _, st := range students {
		for _, t := range j.ProbeTargets(st) {
			if !seen[t.URL] {
				seen[t.URL] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// ErrorCode is the AWS error code carried by err ("AccessDenied",
// "Throttling", …), "Timeout" for a deadline, or "".
func ErrorCode(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) && coded.ErrorCode() != "" {
		return coded.ErrorCode()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "Canceled"
	}
	return ""
}

// ErrorReason is the message shown on every check of a target that could
// not be looked at.
func ErrorReason(err error) Text {
	code := cmp.Or(ErrorCode(err), "Error")
	return Text{
		JA: fmt.Sprintf("AWS を確認できませんでした(%s): %v", code, err),
		EN: fmt.Sprintf("Could not look at AWS (%s): %v", code, err),
	}
}

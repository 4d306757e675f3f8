package scheduler

import (
	"context"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"labgrid/grader"
	"labgrid/grader/sim"
)

type fakeProber struct{}

func (fakeProber) Probe(context.Context, *grader.Snapshot, []grader.ProbeTarget) {}

// The scans of a source are probed by the prober Config.Probers gives it:
// none for a source it refuses (the simulated class, in serve), and none
// at all without Probers.
func TestProberForAsksConfig(t *testing.T) {
	t.Parallel()
	demo := sim.New(sim.Options{Students: 1})
	var other grader.Source = struct{ grader.Source }{}
	p := fakeProber{}
	s := &Scheduler{cfg: Config{Probers: func(src grader.Source) grader.Prober {
		if src == grader.Source(demo) {
			return nil
		}
		return p
	}}}
	if got := s.proberFor(demo); got != nil {
		t.Errorf("the refused source gets a prober: %T", got)
	}
	if got := s.proberFor(other); got != p {
		t.Errorf("the other source gets %v, want the configured prober", got)
	}
	if got := (&Scheduler{}).proberFor(other); got != nil {
		t.Errorf("without Probers, a source gets %T", got)
	}
}

// The scheduler knows no source by name: which one is probed is the
// caller's choice (Config.Probers). Its tests may use the simulator.
func TestSchedulerDoesNotImportTheSimulator(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "labgrid/grader/sim" {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"labgrid/internal/pgtest"
	"labgrid/store"
)

func TestClassSetCockpitSettings(t *testing.T) {
	t.Parallel()
	db := pgtest.URL(t)
	if _, errOut, code := runCLI(t, "class", "create", "cli-cockpit", "--database-url", db); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code := runCLI(t, "class", "set", "cli-cockpit", "--start", "2026-12-03T09:00:00+09:00", "--bottleneck-percent", "40", "--database-url", db)
	if code != 0 || !strings.Contains(out, "started 2026-12-03T00:00:00Z") || !strings.Contains(out, "40% of the students who reached it stuck for 10 min") {
		t.Fatalf("class set --start --bottleneck-percent: code %d\n%s%s", code, out, errOut)
	}
	c, err := store.New(pgtest.Pool(t)).ClassByName(context.Background(), "cli-cockpit")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC); !c.Start().Equal(want) || c.BottleneckPercent != 40 || c.BottleneckMinutes != 10 {
		t.Errorf("stored: start %v, %d%%, %d min; want %v, 40%%, 10 min", c.Start(), c.BottleneckPercent, c.BottleneckMinutes, want)
	}
	// The labs stay when only settings change.
	if ids, _ := classLabs(t, "cli-cockpit"); strings.Join(ids, " ") != "step-3" {
		t.Errorf("labs after setting the bottleneck: %v", ids)
	}
	if _, errOut, code := runCLI(t, "class", "set", "cli-cockpit", "--bottleneck-minutes", "25", "--database-url", db); code != 0 {
		t.Fatal(errOut)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--bottleneck-percent", "0"}, "--bottleneck-percent 0: want 1 to 100"},
		{[]string{"--bottleneck-percent", "101"}, "want 1 to 100"},
		{[]string{"--bottleneck-minutes", "0"}, "--bottleneck-minutes 0: want 1 to 1440"},
		{[]string{"--bottleneck-minutes", "x"}, "bottleneck-minutes"},
		{[]string{"--start", "9am"}, `--start "9am": want a time such as 2026-12-03T09:00:00+09:00, or now`},
	} {
		args := append([]string{"class", "set", "cli-cockpit", "--database-url", db}, bad.args...)
		if _, errOut, code := runCLI(t, args...); code != 2 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: code %d, want 2 and %q in\n%s", bad.args, code, bad.want, errOut)
		}
	}
	c, err = store.New(pgtest.Pool(t)).ClassByName(context.Background(), "cli-cockpit")
	if err != nil {
		t.Fatal(err)
	}
	if c.BottleneckPercent != 40 || c.BottleneckMinutes != 25 {
		t.Errorf("after bad input: %d%%, %d min; want 40%%, 25 min", c.BottleneckPercent, c.BottleneckMinutes)
	}
}

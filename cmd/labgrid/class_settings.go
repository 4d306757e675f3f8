package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"labgrid/store"
)

// cockpitFlags are the flags of `labgrid class set` for the instructor's
// cockpit: when the class started, and when a check is its bottleneck.
type cockpitFlags struct {
	start, percent, minutes string // as given; "": not given
	settings                store.ClassSettings
}

func (f *cockpitFlags) define(fs *flag.FlagSet) {
	fs.Func("start", "when the class started (`time`: RFC 3339 such as 2026-12-03T09:00:00+09:00, or now): where its progress chart starts; by default when it was made", func(v string) error { f.start = v; return nil })
	fs.Func("bottleneck-percent", "the grid names a check as the bottleneck when this `percent` (1-100, default 30) of the students who reached it are stuck on it", func(v string) error { f.percent = v; return nil })
	fs.Func("bottleneck-minutes", "… for this many `minutes` (1-1440, default 10)", func(v string) error { f.minutes = v; return nil })
}

// given says some cockpit flag was given.
func (f *cockpitFlags) given() bool { return f.start != "" || f.percent != "" || f.minutes != "" }

// resolve parses the flags given into settings, and says what is wrong
// with them.
func (f *cockpitFlags) resolve(now time.Time) []string {
	var problems []string
	if f.start != "" {
		t, err := parseStart(f.start, now)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			f.settings.StartedAt = &t
		}
	}
	number := func(name, v string, max int, dst *int) {
		if v == "" {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > max {
			problems = append(problems, fmt.Sprintf("--%s %s: want 1 to %d", name, v, max))
			return
		}
		*dst = n
	}
	number("bottleneck-percent", f.percent, store.MaxBottleneckPercent, &f.settings.BottleneckPercent)
	number("bottleneck-minutes", f.minutes, store.MaxBottleneckMinutes, &f.settings.BottleneckMinutes)
	return problems
}

func parseStart(v string, now time.Time) (time.Time, error) {
	if v == "now" {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start %q: want a time such as 2026-12-03T09:00:00+09:00, or now", v)
	}
	return t, nil
}

// cockpitSummary says a class's cockpit settings.
func cockpitSummary(c store.Class) string {
	started := "started when made, " + c.CreatedAt.UTC().Format(time.RFC3339)
	if !c.StartedAt.IsZero() {
		started = "started " + c.StartedAt.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("%s; a bottleneck: %d%% of the students who reached it stuck for %d min", started, c.BottleneckPercent, c.BottleneckMinutes)
}

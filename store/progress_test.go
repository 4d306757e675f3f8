package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
)

func TestClassSettingsDefaultsAndSet(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c := mustClass(t, ctx, s, "settings")
	if c.BottleneckPercent != 30 || c.BottleneckMinutes != 10 || !c.StartedAt.IsZero() {
		t.Fatalf("new class settings = %d%%, %d min, started %v; want 30%%, 10 min, unset", c.BottleneckPercent, c.BottleneckMinutes, c.StartedAt)
	}
	if !c.Start().Equal(c.CreatedAt) {
		t.Errorf("Start of a class with no start set = %v, want its creation %v", c.Start(), c.CreatedAt)
	}
	start := testTime.Add(time.Hour)
	got, err := s.SetClassSettings(ctx, c.ID, ClassSettings{StartedAt: &start, BottleneckPercent: 50})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Start().Equal(start) || got.BottleneckPercent != 50 || got.BottleneckMinutes != 10 {
		t.Errorf("after set: start %v, %d%%, %d min; want %v, 50%%, 10 min (unchanged)", got.Start(), got.BottleneckPercent, got.BottleneckMinutes, start)
	}
	again, err := s.Class(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !again.StartedAt.Equal(start) || again.BottleneckPercent != 50 || again.BottleneckAfter() != 10*time.Minute {
		t.Errorf("read back = %+v", again)
	}
	if _, err := s.SetClassSettings(ctx, -1, ClassSettings{BottleneckMinutes: 5}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown class: err = %v, want ErrNotFound", err)
	}
}

func TestClassSettingsInvalid(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c := mustClass(t, ctx, s, "bad-settings")
	for _, tc := range []struct {
		cs   ClassSettings
		want string
	}{
		{ClassSettings{BottleneckPercent: 101}, "percent"},
		{ClassSettings{BottleneckPercent: -1}, "percent"},
		{ClassSettings{BottleneckMinutes: 1441}, "minutes"},
		{ClassSettings{BottleneckMinutes: -3}, "minutes"},
		{ClassSettings{StartedAt: &time.Time{}}, "start"},
	} {
		_, err := s.SetClassSettings(ctx, c.ID, tc.cs)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("SetClassSettings(%+v) = %v, want ErrInvalid saying %q", tc.cs, err, tc.want)
		}
	}
	if got, _ := s.Class(ctx, c.ID); got.BottleneckPercent != 30 || got.BottleneckMinutes != 10 {
		t.Errorf("refused settings changed the class: %+v", got)
	}
}

// judge saves a scan of one student at start+min, their checks at the
// statuses states holds once set: a scan reports all of a student's
// checks, as the grader does.
func judge(t *testing.T, ctx context.Context, s *Store, classID int64, st grader.Student, states map[string]grader.Status, check string, to grader.Status, start time.Time, min float64) {
	t.Helper()
	states[check] = to
	at := start.Add(time.Duration(min * float64(time.Minute)))
	rep := grader.Report{Student: st}
	for _, id := range slices.Sorted(maps.Keys(states)) {
		rep.Results = append(rep.Results, result(id, states[id], at))
	}
	res := &grader.ScanResult{StartedAt: at, FinishedAt: at, Reports: []grader.Report{rep}}
	if _, err := s.SaveScan(ctx, classID, TriggerSchedule, res); err != nil {
		t.Fatal(err)
	}
}

func classStudentIDs(t *testing.T, ctx context.Context, s *Store, classID int64) []int64 {
	t.Helper()
	sts, err := s.Students(ctx, classID)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(sts))
	for i, st := range sts {
		ids[i] = st.ID
	}
	return ids
}

func TestClassProgress(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, roster := mustImport(t, ctx, s, "progress", 5)
	other, others := mustImport(t, ctx, s, "other", 1)
	start := testTime
	a, b, cc, d, e := roster[0], roster[1], roster[2], roster[3], roster[4]
	states := map[string]map[string]grader.Status{}
	for _, st := range append(roster, others...) {
		states[st.Login] = map[string]grader.Status{}
	}
	pass, fail := grader.StatusPass, grader.StatusFail

	// a passes c1 at 10, fails it at 20, passes again at 30: its first
	// pass counts (at 30, one student had passed c1, not two). Then c2 at 45.
	judge(t, ctx, s, c.ID, a, states[a.Login], "c1", fail, start, 1)
	judge(t, ctx, s, c.ID, a, states[a.Login], "c2", grader.StatusBlocked, start, 1)
	judge(t, ctx, s, c.ID, a, states[a.Login], "c1", pass, start, 10)
	judge(t, ctx, s, c.ID, a, states[a.Login], "c1", fail, start, 20)
	judge(t, ctx, s, c.ID, a, states[a.Login], "c1", pass, start, 30)
	judge(t, ctx, s, c.ID, a, states[a.Login], "c2", pass, start, 45)
	// b: c1 with a warning (warn passes) at 5, c2 at 25.
	judge(t, ctx, s, c.ID, b, states[b.Login], "c1", grader.StatusWarn, start, 5)
	judge(t, ctx, s, c.ID, b, states[b.Login], "c2", pass, start, 25)
	// cc passes c2 before c1: c2 counts from the start, c1 from the start
	// too (c2 comes after it in the order).
	judge(t, ctx, s, c.ID, cc, states[cc.Login], "c2", pass, start, 12)
	judge(t, ctx, s, c.ID, cc, states[cc.Login], "c1", pass, start, 40)
	// d passed c1 before the class started (a leftover): it counts at
	// the start, having taken nothing.
	judge(t, ctx, s, c.ID, d, states[d.Login], "c1", pass, start, -30)
	// e never passes; a check not asked for and another class's passes
	// count nowhere.
	judge(t, ctx, s, c.ID, e, states[e.Login], "c1", fail, start, 3)
	judge(t, ctx, s, c.ID, e, states[e.Login], "c9", pass, start, 3)
	judge(t, ctx, s, other.ID, others[0], states[others[0].Login], "c1", pass, start, 2)

	p, err := s.ClassProgress(ctx, c.ID, start, []string{"c1", "c2", "c3"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Students != 5 || !p.Start.Equal(start) || len(p.Checks) != 3 {
		t.Fatalf("progress = %d students from %v, %d checks; want 5 from %v, 3", p.Students, p.Start, len(p.Checks), start)
	}
	mins := func(ts []time.Time) []float64 {
		out := make([]float64, len(ts))
		for i, t := range ts {
			out[i] = t.Sub(start).Minutes()
		}
		return out
	}
	durs := func(ds []time.Duration) []float64 {
		out := make([]float64, len(ds))
		for i, d := range ds {
			out[i] = d.Minutes()
		}
		return out
	}
	c1, c2, c3 := p.Checks[0], p.Checks[1], p.Checks[2]
	if c1.CheckID != "c1" || c2.CheckID != "c2" || c3.CheckID != "c3" {
		t.Fatalf("checks out of order: %s %s %s", c1.CheckID, c2.CheckID, c3.CheckID)
	}
	// At 35 minutes, three students had passed c1: a once, from its
	// first pass at 10.
	if got, want := mins(c1.PassedAt), []float64{0, 5, 10, 40}; !slices.Equal(got, want) {
		t.Errorf("c1 first passes at %v min, want %v", got, want)
	}
	if got, want := durs(c1.Took), []float64{0, 5, 10, 40}; !slices.Equal(got, want) {
		t.Errorf("c1 took %v min, want %v", got, want)
	}
	if got, want := mins(c2.PassedAt), []float64{12, 25, 45}; !slices.Equal(got, want) {
		t.Errorf("c2 first passes at %v min, want %v", got, want)
	}
	// a: 45-10 (its first pass of c1), b: 25-5, cc: 12 (from the start).
	if got, want := durs(c2.Took), []float64{12, 20, 35}; !slices.Equal(got, want) {
		t.Errorf("c2 took %v min, want %v", got, want)
	}
	if len(c3.PassedAt) != 0 || len(c3.Took) != 0 {
		t.Errorf("c3, never passed: %+v", c3)
	}
}

func TestClassProgressEmpty(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "empty", 3)
	p, err := s.ClassProgress(ctx, c.ID, testTime, []string{"c1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Students != 3 || len(p.Checks) != 1 || len(p.Checks[0].PassedAt) != 0 || len(p.Checks[0].Took) != 0 {
		t.Errorf("progress of a class with no result = %+v, want empty with 3 students and 1 check", p)
	}
}

func TestCommonHint(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, _ := mustImport(t, ctx, s, "hints", 4)
	ids := classStudentIDs(t, ctx, s, c.ID)
	result := func(id int64, check, ja, en string) {
		t.Helper()
		if _, err := s.db.Exec(ctx, `INSERT INTO results (student_id, check_id, status, points, max_points, required,
			hint_ja, hint_en, observed_at, changed_at) VALUES ($1, $2, 'fail', 0, 10, true, $3, $4, $5, $5)`,
			id, check, ja, en, testTime); err != nil {
			t.Fatal(err)
		}
	}
	result(ids[0], "c1", "ポートを開く", "Open the port")
	result(ids[1], "c1", "ポートを開く", "Open the port")
	result(ids[2], "c1", "名前を直す", "Fix the name")
	result(ids[3], "c1", "", "")
	result(ids[3], "c2", "別", "Other")
	h, err := s.CommonHint(ctx, "c1", ids)
	if err != nil || h.EN != "Open the port" || h.JA != "ポートを開く" {
		t.Errorf("CommonHint(c1, all) = %+v, %v; want the hint two of them get", h, err)
	}
	if h, err := s.CommonHint(ctx, "c1", ids[2:]); err != nil || h.EN != "Fix the name" {
		t.Errorf("CommonHint(c1, the last two) = %+v, %v; want the one hint given", h, err)
	}
	if h, err := s.CommonHint(ctx, "c1", ids[3:]); err != nil || h.EN != "" || h.JA != "" {
		t.Errorf("CommonHint of a student told nothing = %+v, %v; want empty", h, err)
	}
}

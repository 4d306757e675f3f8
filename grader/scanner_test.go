package grader

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// staticSource serves prepared snapshots by account and records the targets
// it was asked for.
type staticSource struct {
	mu    sync.Mutex
	snaps map[string]*Snapshot // by account id
	errs  map[string]error
	asked []Target
}

func (s *staticSource) Snapshot(ctx context.Context, t Target, _ []Data) (*Snapshot, error) {
	s.mu.Lock()
	s.asked = append(s.asked, t)
	s.mu.Unlock()
	if err := s.errs[t.AccountID]; err != nil {
		return nil, err
	}
	snap, ok := s.snaps[t.AccountID]
	if !ok {
		return nil, fmt.Errorf("no snapshot for %s", t.AccountID)
	}
	return snap, nil
}

type codedError struct{ code string }

func (e codedError) Error() string     { return "api error " + e.code + ": not allowed" }
func (e codedError) ErrorCode() string { return e.code }

func TestGroupsSharesOneTargetPerAccountRegionRole(t *testing.T) {
	t.Parallel()
	students := []Student{
		{Login: "user01", AccountID: "111122223333"},
		{Login: "user02", AccountID: "111122223333", Region: "ap-northeast-1"}, // explicit = default
		{Login: "user03", AccountID: "111122223333", Region: "us-east-1"},
		{Login: "user04", AccountID: "444455556666", RoleARN: "arn:aws:iam::444455556666:role/labgrid", ExternalID: "x"},
		{Login: "user05", AccountID: "111122223333"},
	}
	groups := Groups(students, "ap-northeast-1")
	if len(groups) != 3 {
		t.Fatalf("%d groups, want 3: %+v", len(groups), groups)
	}
	var logins []string
	for _, st := range groups[0].Students {
		logins = append(logins, st.Login)
	}
	if got := strings.Join(logins, ","); got != "user01,user02,user05" {
		t.Errorf("first group = %s", got)
	}
	if groups[1].Target.Region != "us-east-1" || groups[2].Target.RoleARN == "" {
		t.Errorf("groups = %+v", groups)
	}
}

func TestScanIsolatesAFailingTarget(t *testing.T) {
	t.Parallel()
	shared := classSnapshot("user01", "user02")
	shared.AWSCalls = 15
	src := &staticSource{
		snaps: map[string]*Snapshot{"111122223333": shared},
		errs:  map[string]error{"444455556666": fmt.Errorf("ec2:DescribeVpcs: %w", codedError{"AccessDenied"})},
	}
	students := []Student{
		{Login: "user01", AccountID: "111122223333"},
		{Login: "user03", AccountID: "444455556666", RoleARN: "arn:aws:iam::444455556666:role/labgrid"},
		{Login: "user02", AccountID: "111122223333"},
	}
	sc := &Scanner{Source: src, Rubric: DefaultRubric(), Concurrency: 2}
	res := sc.Scan(context.Background(), students, nil)

	if len(src.asked) != 2 {
		t.Errorf("asked %d targets, want 2 (one per account): %+v", len(src.asked), src.asked)
	}
	if res.AWSCalls != 15 || res.Failed() != 1 {
		t.Errorf("AWSCalls=%d Failed=%d", res.AWSCalls, res.Failed())
	}
	if len(res.Reports) != 3 || res.Reports[1].Student.Login != "user03" {
		t.Fatalf("reports not in roster order: %+v", res.Reports)
	}
	for _, i := range []int{0, 2} {
		if rep := res.Reports[i]; rep.Score != rep.MaxScore {
			t.Errorf("%s: score %d/%d, want full marks", rep.Student.Login, rep.Score, rep.MaxScore)
		}
	}
	for _, r := range res.Reports[1].Results {
		if r.Status != StatusError || !strings.Contains(r.Message.EN, "AccessDenied") || r.Points != 0 {
			t.Fatalf("user03 %s = %s %q, want error naming AccessDenied", r.CheckID, r.Status, r.Message.EN)
		}
	}
}

func TestScanCarriesMemoryOfTheWriter(t *testing.T) {
	t.Parallel()
	snap := classSnapshot("user01")
	src := &staticSource{snaps: map[string]*Snapshot{"111122223333": snap}}
	sc := &Scanner{Source: src, Rubric: DefaultRubric()}
	res := sc.Scan(context.Background(), []Student{student("user01")}, map[string]Memory{"user01": {Writer: "wp-user01"}})
	if got := res.Reports[0].Memory.Writer; got != "wp-user01-slave" {
		t.Errorf("memory writer = %q, want the current writer", got)
	}
}

func TestScanStopsWhenCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := &staticSource{snaps: map[string]*Snapshot{"111122223333": classSnapshot("user01")}}
	sc := &Scanner{Source: src, Rubric: DefaultRubric()}
	res := sc.Scan(ctx, []Student{student("user01")}, nil)
	if len(src.asked) != 0 || res.Failed() != 1 || !errors.Is(res.Targets[0].Err, context.Canceled) {
		t.Errorf("asked=%d failed=%d err=%v", len(src.asked), res.Failed(), res.Targets[0].Err)
	}
	if ErrorCode(res.Targets[0].Err) != "Canceled" {
		t.Errorf("code = %q", ErrorCode(res.Targets[0].Err))
	}
}

func TestErrorCode(t *testing.T) {
	t.Parallel()
	if got := ErrorCode(fmt.Errorf("rds:DescribeDBClusters: %w", codedError{"Throttling"})); got != "Throttling" {
		t.Errorf("got %q", got)
	}
	if got := ErrorCode(fmt.Errorf("x: %w", context.DeadlineExceeded)); got != "Timeout" {
		t.Errorf("got %q", got)
	}
	if got := ErrorCode(errors.New("plain")); got != "" {
		t.Errorf("got %q", got)
	}
}

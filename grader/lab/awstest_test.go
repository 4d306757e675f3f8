package lab_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"labgrid/grader"
	"labgrid/grader/awssource"
	"labgrid/grader/awssource/awstest"
	"labgrid/grader/lab"
	"labgrid/grader/sim"
)

// TestAWSTest serves simulated classes as AWS answers and reads them back
// through the SDK (awssource), then judges what the SDK read: the path of
// a real scan. Per check, the statuses over the class are those in
// testdata/awstest.golden, which the Go checks gave before they were
// removed (the lab then matched them result for result).
func TestAWSTest(t *testing.T) {
	l := step3Lab(t)
	golden := awstestGolden(t)
	const duration = 20 * time.Minute
	start := time.Date(2026, 12, 2, 9, 0, 0, 123456789, time.UTC)
	for seed := int64(1); seed <= 3; seed++ {
		for _, at := range []time.Duration{duration / 2, duration * 3 / 2, 3 * duration} {
			t.Run(fmt.Sprintf("seed%d/%s", seed, at), func(t *testing.T) {
				now := start.Add(at)
				class := sim.New(sim.Options{Start: start, Duration: duration, Seed: seed, Now: func() time.Time { return now }})
				want, err := class.Snapshot(t.Context(), class.Target(), grader.AllData())
				if err != nil {
					t.Fatal(err)
				}
				srv := awstest.NewServer()
				t.Cleanup(srv.Close)
				srv.Handler().OnUnexpected(t.Errorf)
				srv.SetSnapshot(want)
				src, err := awssource.New(t.Context(), awssource.Options{MaxBackoff: time.Millisecond, TargetTimeout: 10 * time.Second},
					config.WithBaseEndpoint(srv.URL()),
					config.WithRegion("ap-northeast-1"),
					config.WithSharedConfigFiles([]string{}),
					config.WithSharedCredentialsFiles([]string{}),
					config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "")),
				)
				if err != nil {
					t.Fatal(err)
				}
				snap, err := src.Snapshot(t.Context(), class.Target(), grader.AllData())
				if err != nil {
					t.Fatal(err)
				}
				w := lab.NewWorld(snap)
				var reps []grader.Report
				for _, st := range class.Roster() {
					reps = append(reps, l.Evaluate(w, st, nil))
				}
				name := fmt.Sprintf("seed%d/%s", seed, at)
				if got := tally(reps); got != golden[name] {
					t.Errorf("statuses per check:\n%s\nwant:\n%s", got, golden[name])
				}
			})
		}
	}
}

// awstestGolden reads testdata/awstest.golden: sections headed
// "AWSTEST <name>", each a tally.
func awstestGolden(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("testdata/awstest.golden")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	name := ""
	for line := range strings.Lines(string(data)) {
		if n, ok := strings.CutPrefix(line, "AWSTEST "); ok {
			name = strings.TrimSpace(n)
			continue
		}
		out[name] += line
	}
	if len(out) != 9 {
		t.Fatalf("testdata/awstest.golden has %d sections, want 9", len(out))
	}
	return out
}

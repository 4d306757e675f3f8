package lab_test

import (
	"fmt"
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

// TestDifferentialAWSTest serves simulated classes as AWS answers and reads
// them back through the SDK (awssource), then compares the lab with the Go
// checks on what the SDK read: the path of a real scan.
func TestDifferentialAWSTest(t *testing.T) {
	l := step3Lab(t)
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
				for _, st := range class.Roster() {
					old := grader.Evaluate(grader.DefaultRubric(), snap, st, grader.Memory{})
					neu := l.Evaluate(w, st, nil)
					for _, o := range old.Results {
						if n := statusOf(t, neu.Results, o.CheckID); n.Status != o.Status {
							t.Errorf("%s %s: %s (Go) vs %s (lab)\n  go:  %s\n  lab: %s", st.Login, o.CheckID, o.Status, n.Status, o.Message.EN, n.Message.EN)
						}
					}
				}
			})
		}
	}
}

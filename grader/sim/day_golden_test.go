package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"labgrid/grader"
)

// goldenDefault is the digest of a class without WholeDay through its
// Step-3 afternoon, recorded before the whole day was added: a class that
// is not a whole day is, snapshot for snapshot, the class it was.
const goldenDefault = "9a5006e180d67f6ec09093648c18fad122679ec9cb8659935450b5fd5a10085e"

func TestDefaultClassUnchanged(t *testing.T) {
	t.Parallel()
	h := sha256.New()
	for _, seed := range []int64{1, 2, 7} {
		c := New(Options{Seed: seed, Start: classStart, Accounts: 2})
		for _, d := range []time.Duration{0, 5 * time.Minute, 13*time.Minute + 7*time.Second, 27 * time.Minute, 41 * time.Minute, 59 * time.Minute, 3 * time.Hour} {
			at := classStart.Add(d)
			c2 := *c
			c2.opts.Now = func() time.Time { return at }
			for _, tg := range c.Targets() {
				snap, err := c2.Snapshot(context.Background(), tg, grader.AllData())
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(dataOf(snap))
				if err != nil {
					t.Fatal(err)
				}
				h.Write(b)
			}
			for _, st := range c.Roster() {
				fmt.Fprintln(h, st.Login, c.Progress(st.Login, at), c.Mistakes(st.Login, at))
			}
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != goldenDefault {
		t.Errorf("the default class's snapshots changed: digest %s, want %s", got, goldenDefault)
	}
}

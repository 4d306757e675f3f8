package labs

import (
	"testing"
)

func TestShippedLabsLoad(t *testing.T) {
	labs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(labs) == 0 {
		t.Fatal("no shipped lab")
	}
	for _, l := range labs {
		t.Logf("%s: %d checks", l.ID, len(l.Checks))
	}
}

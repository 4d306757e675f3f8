package labs

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// exampleRef is examples/lab.yaml as a class keeps it, its id changed to
// id and its check ids' area prefix to area, so that it can sit beside
// the shipped lab (whose checks it would otherwise share).
func exampleRef(t *testing.T, id, area string) Ref {
	t.Helper()
	data, err := os.ReadFile("../examples/lab.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "id: vpc-basics", "id: "+id, 1)
	if area != "" {
		text = strings.ReplaceAll(text, "network", area)
	}
	sum := sha256.Sum256([]byte(text))
	return Ref{ID: id, Source: []byte(text), SHA256: hex.EncodeToString(sum[:])}
}

func checkIDs(t *testing.T, refs []Ref, rubric string) []string {
	t.Helper()
	set, err := ForClass(refs, rubric)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range set.Checks() {
		ids = append(ids, c.Lab+"/"+c.ID)
	}
	return ids
}

func TestForClassWithAStoredFile(t *testing.T) {
	mine := exampleRef(t, "mine", "")
	if got := checkIDs(t, []Ref{mine}, ""); strings.Join(got, " ") != "mine/network.vpc mine/network.public_subnets" {
		t.Errorf("a file alone: checks %v", got)
	}
	apart := exampleRef(t, "apart", "vnet")
	got := checkIDs(t, []Ref{{ID: DefaultIDs[0]}, apart}, "")
	if len(got) < 3 || !strings.HasPrefix(got[0], DefaultIDs[0]+"/") || got[len(got)-1] != "apart/vnet.public_subnets" {
		t.Errorf("a shipped lab then a file: checks %v", got)
	}
	// No labs: the default ones.
	if got, want := checkIDs(t, nil, ""), checkIDs(t, []Ref{{ID: DefaultIDs[0]}}, ""); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("no labs: %v, want the default labs' %v", got, want)
	}
	// A file is compiled once per content: two sets of it share its lab.
	a, err := ForClass([]Ref{mine}, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ForClass([]Ref{mine, apart}, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Labs()[0] != b.Labs()[0] {
		t.Error("the same file was compiled twice")
	}
	// The rubric applies to the file's lab.
	set, err := ForClass([]Ref{mine}, "checks:\n  network.vpc: {points: 9}\n")
	if err != nil {
		t.Fatal(err)
	}
	if c := set.Checks()[0]; c.Points != 9 {
		t.Errorf("rubric not applied: %+v", c)
	}
}

func TestForClassRefuses(t *testing.T) {
	mine := exampleRef(t, "mine", "")
	tampered := mine
	tampered.Source = []byte(strings.Replace(string(mine.Source), "points: 5", "points: 50", 1))
	if _, err := ForClass([]Ref{tampered}, ""); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("a file whose hash is not its text's: err = %v", err)
	}
	noHash := mine
	noHash.SHA256 = ""
	if _, err := ForClass([]Ref{noHash}, ""); err == nil {
		t.Error("a file without its hash was taken")
	}
	renamed := mine
	renamed.ID = "other"
	if _, err := ForClass([]Ref{renamed}, ""); err == nil || !strings.Contains(err.Error(), `declares the id "mine"`) {
		t.Errorf("a file kept under another id: err = %v", err)
	}
	// The example's checks are named as the shipped lab's network checks.
	if _, err := ForClass([]Ref{{ID: DefaultIDs[0]}, exampleRef(t, "vpc-basics", "")}, ""); err == nil || !strings.Contains(err.Error(), "network.vpc") {
		t.Errorf("two labs sharing a check id: err = %v", err)
	}
	if _, err := ForClass([]Ref{{ID: "no-such-lab"}}, ""); err == nil {
		t.Error("an unknown shipped id was taken")
	}
	broken := []byte("id: broken\nchecks: [\n")
	sum := sha256.Sum256(broken)
	if _, err := ForClass([]Ref{{ID: "broken", Source: broken, SHA256: hex.EncodeToString(sum[:])}}, ""); err == nil {
		t.Error("a broken file was taken")
	}
}

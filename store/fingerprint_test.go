package store

import (
	"testing"
	"time"

	"labgrid/grader"
)

func TestFingerprintsRoundTrip(t *testing.T) {
	t.Parallel()
	fps := []fingerprint{
		{checkID: []byte("aurora.replica"), status: grader.StatusFail, digest: [16]byte{1, 2, 3}},
		{checkID: []byte("web.ami"), status: grader.StatusPass, digest: [16]byte{15: 9}, hasError: true, errFP: [8]byte{7}},
		{checkID: []byte(""), status: grader.StatusError},
	}
	b := encodeFingerprints(nil, fps)
	got, err := decodeFingerprints(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fps) {
		t.Fatalf("decoded %d fingerprints, want %d", len(got), len(fps))
	}
	for i := range fps {
		if string(got[i].checkID) != string(fps[i].checkID) || got[i].status != fps[i].status || got[i].digest != fps[i].digest ||
			got[i].hasError != fps[i].hasError || got[i].errFP != fps[i].errFP {
			t.Errorf("fingerprint %d = %+v, want %+v", i, got[i], fps[i])
		}
	}
	if got, err := decodeFingerprints(nil); err != nil || got != nil {
		t.Errorf("nothing stored: %v, %v", got, err)
	}
	for i := 1; i < len(b); i++ {
		if got, err := decodeFingerprints(b[:i]); err == nil && len(got) == len(fps) {
			t.Errorf("truncated to %d of %d bytes: decoded every fingerprint", i, len(b))
		}
	}
	if _, err := decodeFingerprints(append([]byte{99}, b[1:]...)); err == nil {
		t.Error("unknown version accepted")
	}
}

// Lost fingerprints (unreadable, or a future format) make the next scan
// write every result again, and repair them.
func TestSaveScanRepairsFingerprints(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "repair", 2)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime, allStatus(grader.StatusPass))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(ctx, `UPDATE student_memory SET result_index = '\x63'`); err != nil {
		t.Fatal(err)
	}
	_, _, timeline := rowVersions(t, ctx, s, c.ID)
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime.Add(time.Minute), allStatus(grader.StatusPass)))
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 2*len(checkIDs()) {
		t.Errorf("with lost fingerprints: %d results written, want all %d", sum.ChangedResults, 2*len(checkIDs()))
	}
	if _, _, n := rowVersions(t, ctx, s, c.ID); n != timeline {
		t.Errorf("repair added %d timeline rows; no status changed", n-timeline)
	}
	for _, r := range mustResults(t, ctx, s, studentIDs(t, ctx, s, c.ID)["user01"]) {
		if !r.FirstPassedAt.Equal(testTime) || !r.ChangedAt.Equal(testTime) {
			t.Fatalf("%s rewritten: first passed %v, changed %v; want both kept", r.CheckID, r.FirstPassedAt, r.ChangedAt)
		}
	}
	sum, err = s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime.Add(2*time.Minute), allStatus(grader.StatusPass)))
	if err != nil || sum.ChangedResults != 0 {
		t.Errorf("after the repair: %+v, %v; want nothing written", sum, err)
	}
}

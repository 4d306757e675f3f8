package store

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"labgrid/grader"
)

func TestFingerprintsRoundTrip(t *testing.T) {
	t.Parallel()
	fps := []fingerprint{
		{checkID: []byte("aurora.replica"), status: grader.StatusFail, digest: 0x030201},
		{checkID: []byte("web.ami"), status: grader.StatusPass, digest: 9 << 56, hasError: true, errFP: 7,
			errJA: []byte("見えません"), errEN: []byte{}, points: 5, cost: 0.25, passed: true, firstPassed: -1},
		{checkID: []byte("alb.exists"), status: grader.StatusWarn, stale: true, points: -2, passed: true, firstPassed: 1 << 50},
		{checkID: []byte(""), status: grader.StatusError, cost: 1e-3},
	}
	b := encodeFingerprints(nil, fps)
	got, err := decodeFingerprints(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, fps) {
		t.Errorf("decoded %+v,\nwant %+v", got, fps)
	}
	// The fields that are zero take no room.
	if want := 1 + (2 + len("aurora.replica") + 1 + 1 + 8); len(encodeFingerprints(nil, fps[:1])) != want {
		t.Errorf("a failing result without points takes %d bytes, want %d", len(encodeFingerprints(nil, fps[:1])), want)
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
// write every result again and rebuild them from the results; the scan
// after it writes them once more (the rebuilt ones know no digest, see
// TestSaveScanUpgradesFingerprints), then nothing.
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
	bumpScanVersion(t, ctx, s, c.ID)
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
	for i, want := range []int{2 * len(checkIDs()), 0} {
		sum, err = s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime.Add(time.Duration(2+i)*time.Minute), allStatus(grader.StatusPass)))
		if err != nil || sum.ChangedResults != want {
			t.Errorf("scan %d after the repair: %+v, %v; want %d results written", i+1, sum, err, want)
		}
	}
}

// Fingerprints rebuilt from the results (by migration 00012, from those of
// an older labgrid) keep the statuses and summaries but know no digest:
// the next scan rewrites every result once, with no timeline row where no
// status changed, and an error beside a judged status still keeps that
// status.
func TestSaveScanUpgradesFingerprints(t *testing.T) {
	t.Parallel()
	ctx, s := setup(t)
	c, students := mustImport(t, ctx, s, "upgrade", 2)
	if _, err := s.SaveScan(ctx, c.ID, TriggerSchedule, scanOf(students, testTime, allStatus(grader.StatusPass))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(ctx, `SELECT build_result_index(array(SELECT id FROM students WHERE class_id = $1))`, c.ID); err != nil {
		t.Fatal(err)
	}
	bumpScanVersion(t, ctx, s, c.ID)
	_, _, timeline := rowVersions(t, ctx, s, c.ID)

	next := scanOf(students, testTime.Add(time.Minute), allStatus(grader.StatusPass))
	reason := grader.Text{JA: "見られません", EN: "cannot look"}
	next.Reports[1].Results[0] = grader.Result{CheckID: checkIDs()[0], Status: grader.StatusError, Message: reason, ObservedAt: testTime.Add(time.Minute)}
	sum, err := s.SaveScan(ctx, c.ID, TriggerSchedule, next)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ChangedResults != 2*len(checkIDs()) {
		t.Errorf("after the upgrade: %d results written, want all %d", sum.ChangedResults, 2*len(checkIDs()))
	}
	if _, _, n := rowVersions(t, ctx, s, c.ID); n != timeline {
		t.Errorf("the upgrade added %d timeline rows; no status changed", n-timeline)
	}
	for _, r := range mustResults(t, ctx, s, studentIDs(t, ctx, s, c.ID)["user02"]) {
		if r.Status != grader.StatusPass || !r.ChangedAt.Equal(testTime) || !r.FirstPassedAt.Equal(testTime) {
			t.Fatalf("%s after the upgrade = %+v, want the pass kept", r.CheckID, r)
		}
		if r.CheckID == checkIDs()[0] && r.Error != reason {
			t.Errorf("%s error = %+v, want %+v beside the pass", r.CheckID, r.Error, reason)
		}
	}
	if n := count(t, ctx, s, `SELECT count(*) FROM student_memory m JOIN students s ON s.id = m.student_id
		WHERE s.class_id = $1 AND get_byte(m.result_index, 0) = $2`, c.ID, fingerprintVersion); n != 2 {
		t.Errorf("%d students' fingerprints in version %d after the upgrade, want 2", n, fingerprintVersion)
	}
	sum, err = s.SaveScan(ctx, c.ID, TriggerSchedule, next)
	if err != nil || sum.ChangedResults != 0 {
		t.Errorf("after the upgrade: %+v, %v; want nothing written", sum, err)
	}
}

// bumpScanVersion does what every writer of a class's students, results
// or fingerprints besides SaveScan does.
func bumpScanVersion(t *testing.T, ctx context.Context, s *Store, classID int64) {
	t.Helper()
	if _, err := s.db.Exec(ctx, "UPDATE classes SET scan_version = scan_version + 1 WHERE id = $1", classID); err != nil {
		t.Fatal(err)
	}
}

// digestResultsCases are results with every field the digest reads, long
// texts (lengths of 2-byte uvarints) and none.
func digestResultsCases() []grader.Result {
	long := strings.Repeat("長い証拠 ", 40)
	return []grader.Result{
		{},
		result("web.ami", grader.StatusPass, testTime),
		result("web.ami", grader.StatusFail, testTime),
		{CheckID: "x", Status: grader.StatusWarn, Points: -3, MaxPoints: 300, Required: true,
			Message: grader.Text{JA: long, EN: "m"}, Hint: grader.Text{EN: long}, Evidence: []string{"", long, "e"}},
		{CheckID: "cost", Status: grader.StatusFail, CostPerHour: 0.0152, Evidence: []string{}},
		{CheckID: "cost", Status: grader.StatusFail, CostPerHour: -1},
		errorResult("e", "throttled"),
	}
}

// Digests are stored: the same result must digest as it did when it was
// stored, or every result of every class is rewritten once.
func TestDigestPinned(t *testing.T) {
	t.Parallel()
	want := []uint64{0x62a8c4793c39022b, 0xdc2b17459d75f888, 0x223d7c189d9e3df7, 0xc6fe3c77bc454a7f,
		0xe921eb1933743fdd, 0xe96d643ba5ef9712, 0x965304bef5c825b1}
	for i, r := range digestResultsCases() {
		if _, got := digest(nil, &r); got != want[i] {
			t.Errorf("digest of result %d = %#x, want %#x", i, got, want[i])
		}
	}
}

// The digests of a scan, on several goroutines, are those of its results
// one by one, in their order.
func TestDigestResults(t *testing.T) {
	t.Parallel()
	cases := digestResultsCases()
	var reports []grader.Report
	for i := range 3000 {
		rep := grader.Report{}
		for j := range i % 5 { // some reports have no result
			rep.Results = append(rep.Results, cases[(i+j)%len(cases)])
		}
		reports = append(reports, rep)
	}
	for _, n := range []int{0, 1, 2, 10, 1000, len(reports)} {
		var want []uint64
		for _, rep := range reports[:n] {
			for _, r := range rep.Results {
				_, d := digest(nil, &r)
				want = append(want, d)
			}
		}
		got := digestResults(reports[:n], make([]uint64, 3))
		if !slices.Equal(got, want) {
			t.Errorf("%d reports: digests differ from one by one", n)
		}
	}
}

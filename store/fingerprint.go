package store

import (
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/cespare/xxhash/v2"

	"labgrid/grader"
)

// A fingerprint is what SaveScan keeps of one stored result to tell
// whether a new result differs from it without reading the result back
// (the status, a digest of everything a reader sees, and the error), and
// what the grid shows of it (its summary: points, cost, first pass, the
// error's texts). A student's fingerprints are kept together in
// student_memory.result_index, written in the same transaction as the
// results they stand for: one row per student is all a scan writes besides
// the results, and all the grid reads.
type fingerprint struct {
	checkID  []byte
	status   grader.Status
	digest   uint64 // of the judged content: see digest
	hasError bool
	errFP    uint64 // of the error's texts
	// stale digests (of an older encoding, or rebuilt from the results by
	// the database) compare with no new one: the result is rewritten
	// once, its status and error known all the same.
	stale bool

	points      int32
	cost        float64
	firstPassed int64 // microseconds since pgEpoch; 0 with !passed
	passed      bool  // first passed at firstPassed
	errJA       []byte
	errEN       []byte
}

// fingerprintVersion leads the encoding, so that a later format can tell
// an old one apart. Versions 1 and 2 had no summary: they read as lost
// (migration 00012 rebuilt them all).
const fingerprintVersion = 3

// sameDigest tells whether fp stands for judged content digested d.
func (fp fingerprint) sameDigest(d uint64) bool { return !fp.stale && fp.digest == d }

// sameError tells whether fp has an error whose texts fingerprint errFP.
func (fp fingerprint) sameError(errFP uint64) bool {
	return fp.hasError && !fp.stale && fp.errFP == errFP
}

// statusCodes numbers the statuses in the encoding; 0 is none of them.
// build_result_index (migration 00012) numbers them alike.
var statusCodes = [...]grader.Status{1: grader.StatusPass, grader.StatusWarn, grader.StatusFail,
	grader.StatusBlocked, grader.StatusError, grader.StatusPending}

func statusCode(s grader.Status) byte {
	for i, c := range statusCodes {
		if i > 0 && c == s {
			return byte(i)
		}
	}
	return 0
}

// The flags of a fingerprint in the encoding.
const (
	flagError  = 1
	flagStale  = 2
	flagPassed = 4
)

// encodeFingerprints appends the encoding of fps to b: a version byte,
// then per result, big-endian as PostgreSQL's int4send and int8send write
// them (build_result_index, migration 00012, writes the same from the
// results): the check id (int4 length first), the status code, the flags,
// the digest, the error's fingerprint, the points (int4), the cost
// (float8), the first pass (int8 µs since 2000), and with flagError the
// error's Japanese and English texts (int4 length first).
func encodeFingerprints(b []byte, fps []fingerprint) []byte {
	b = append(b, fingerprintVersion)
	for _, fp := range fps {
		b = binary.BigEndian.AppendUint32(b, uint32(len(fp.checkID)))
		b = append(b, fp.checkID...)
		var flags byte
		if fp.hasError {
			flags |= flagError
		}
		if fp.stale {
			flags |= flagStale
		}
		if fp.passed {
			flags |= flagPassed
		}
		b = append(b, statusCode(fp.status), flags)
		b = binary.BigEndian.AppendUint64(b, fp.digest)
		b = binary.BigEndian.AppendUint64(b, fp.errFP)
		b = binary.BigEndian.AppendUint32(b, uint32(fp.points))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(fp.cost))
		b = binary.BigEndian.AppendUint64(b, uint64(fp.firstPassed))
		if fp.hasError {
			b = binary.BigEndian.AppendUint32(b, uint32(len(fp.errJA)))
			b = append(b, fp.errJA...)
			b = binary.BigEndian.AppendUint32(b, uint32(len(fp.errEN)))
			b = append(b, fp.errEN...)
		}
	}
	return b
}

var errBadFingerprints = errors.New("unreadable result fingerprints")

// decodeFingerprints reads what encodeFingerprints wrote. The check ids
// and texts point into b. Empty b (nothing stored yet) is no fingerprints.
func decodeFingerprints(b []byte) ([]fingerprint, error) {
	fps, err := appendFingerprints(nil, b)
	if err != nil || len(fps) == 0 {
		return nil, err
	}
	return fps, nil
}

// fixedSize is the size of a fingerprint's encoding after its check id,
// less the error's texts.
const fixedSize = 1 + 1 + 8 + 8 + 4 + 8 + 8

// appendFingerprints appends the fingerprints b encodes to dst, or
// nothing if b is unreadable: SaveScan decodes a class's fingerprints into
// one array.
func appendFingerprints(dst []fingerprint, b []byte) ([]fingerprint, error) {
	if len(b) == 0 {
		return dst, nil
	}
	if b[0] != fingerprintVersion {
		return dst, errBadFingerprints
	}
	b = b[1:]
	start := len(dst)
	// text reads an int4 length and that many bytes.
	text := func() ([]byte, bool) {
		if len(b) < 4 {
			return nil, false
		}
		n := uint64(binary.BigEndian.Uint32(b))
		if uint64(len(b)-4) < n {
			return nil, false
		}
		t := b[4 : 4+n : 4+n]
		b = b[4+n:]
		return t, true
	}
	for len(b) > 0 {
		id, ok := text()
		if !ok || len(b) < fixedSize {
			return dst[:start], errBadFingerprints
		}
		code, flags := int(b[0]), b[1]
		if code == 0 || code >= len(statusCodes) {
			return dst[:start], errBadFingerprints
		}
		fp := fingerprint{
			checkID:     id,
			status:      statusCodes[code],
			hasError:    flags&flagError != 0,
			stale:       flags&flagStale != 0,
			passed:      flags&flagPassed != 0,
			digest:      binary.BigEndian.Uint64(b[2:]),
			errFP:       binary.BigEndian.Uint64(b[10:]),
			points:      int32(binary.BigEndian.Uint32(b[18:])),
			cost:        math.Float64frombits(binary.BigEndian.Uint64(b[22:])),
			firstPassed: int64(binary.BigEndian.Uint64(b[30:])),
		}
		b = b[fixedSize:]
		if fp.hasError {
			if fp.errJA, ok = text(); !ok {
				return dst[:start], errBadFingerprints
			}
			if fp.errEN, ok = text(); !ok {
				return dst[:start], errBadFingerprints
			}
		}
		dst = append(dst, fp)
	}
	return dst, nil
}

// findFingerprint finds the fingerprint of checkID in fps, looking first
// at fps[at]: a scan judges the checks in the order of the last one.
func findFingerprint(fps []fingerprint, at int, checkID string) (fingerprint, bool) {
	if at < len(fps) && string(fps[at].checkID) == checkID {
		return fps[at], true
	}
	for _, fp := range fps {
		if string(fp.checkID) == checkID {
			return fp, true
		}
	}
	return fingerprint{}, false
}

// digest fingerprints what a reader of a result sees: its status, points,
// messages, hint and evidence. 64 bits of xxHash are plenty to notice a
// change (nobody is trying to hide one), and 3 times faster than SHA-256.
// b is scratch, returned for the next digest: SaveScan digests every result
// of a scan. (Hashing the pieces one by one into an xxhash.Digest gives the
// same digest without the copy, but takes twice as long: they are short.)
func digest(b []byte, r *grader.Result) ([]byte, uint64) {
	b = appendLenString(b[:0], string(r.Status))
	b = binary.AppendVarint(b, int64(r.Points))
	b = binary.AppendVarint(b, int64(r.MaxPoints))
	b = strconv.AppendBool(b, r.Required)
	b = appendLenString(b, r.Message.JA)
	b = appendLenString(b, r.Message.EN)
	b = appendLenString(b, r.Hint.JA)
	b = appendLenString(b, r.Hint.EN)
	b = binary.AppendUvarint(b, uint64(len(r.Evidence)))
	for _, e := range r.Evidence {
		b = appendLenString(b, e)
	}
	// Only a cost is digested: the results stored before costs existed
	// keep their digests.
	if r.CostPerHour > 0 {
		b = binary.AppendUvarint(b, math.Float64bits(r.CostPerHour))
	}
	return b, xxhash.Sum64(b)
}

// appendLenString appends s to b after its length as a uvarint.
func appendLenString(b []byte, s string) []byte {
	if len(s) < 0x80 { // the uvarint of a short length is that byte
		b = append(b, byte(len(s)))
	} else {
		b = binary.AppendUvarint(b, uint64(len(s)))
	}
	return append(b, s...)
}

// minDigestsPerWorker is the fewest results a goroutine of digestResults
// is started for: fewer take less time than starting it.
const minDigestsPerWorker = 2048

// digestResults digests every result of reports, into ds (reused) indexed
// as the results are, report after report, on up to GOMAXPROCS goroutines:
// a scan of a class digests thousands of results, before anything of it
// can be sent.
func digestResults(reports []grader.Report, ds []uint64) []uint64 {
	n := 0
	for i := range reports {
		n += len(reports[i].Results)
	}
	ds = slices.Grow(ds[:0], n)[:n]
	workers := max(1, min(runtime.GOMAXPROCS(0), n/minDigestsPerWorker))
	var wg sync.WaitGroup
	from, at := 0, 0 // the first report and result of the next share
	for k := 1; k <= workers; k++ {
		to, end := from, at
		for to < len(reports) && end < n*k/workers {
			end += len(reports[to].Results)
			to++
		}
		share, out := reports[from:to], ds[at:end]
		if k == workers {
			digestReports(share, out) // this goroutine's share
		} else {
			wg.Go(func() { digestReports(share, out) })
		}
		from, at = to, end
	}
	wg.Wait()
	return ds
}

// digestReports digests the results of reports into ds, end to end.
func digestReports(reports []grader.Report, ds []uint64) {
	var buf [512]byte // most results fit
	b := buf[:0]
	i := 0
	for ri := range reports {
		rs := reports[ri].Results
		for j := range rs {
			b, ds[i] = digest(b, &rs[j])
			i++
		}
	}
}

// errorFingerprint tells one error's texts from another's.
func errorFingerprint(t grader.Text) uint64 {
	d := xxhash.New()
	d.WriteString(t.JA)
	d.WriteString("\x00")
	d.WriteString(t.EN)
	return d.Sum64()
}

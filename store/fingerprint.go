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
// an old one apart. Versions 1 and 2 had no summary; version 3 wrote every
// field of every result, twice the size: SaveScan rewrites a changed
// student's whole encoding, and at 1,000 students those rows were half the
// bytes it wrote (migration 00016 rebuilt them all). An older version reads
// as lost.
const fingerprintVersion = 4

// sameDigest tells whether fp stands for judged content digested d.
func (fp fingerprint) sameDigest(d uint64) bool { return !fp.stale && fp.digest == d }

// sameError tells whether fp has an error whose texts fingerprint errFP.
func (fp fingerprint) sameError(errFP uint64) bool {
	return fp.hasError && !fp.stale && fp.errFP == errFP
}

// statusCodes numbers the statuses in the encoding; 0 is none of them.
// build_result_index (migration 00016) numbers them alike.
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

// The flags of a fingerprint in the encoding: the last three say which
// of the fields that are mostly zero follow.
const (
	flagError  = 1
	flagStale  = 2
	flagPassed = 4
	flagPoints = 8
	flagCost   = 16
)

// encodeFingerprints appends the encoding of fps to b: a version byte,
// then per result, big-endian as PostgreSQL's int2send, int4send and
// int8send write them (build_result_index, migration 00016, writes the same
// from the results): the check id (int2 length first), the status code, the
// flags and the digest; then with flagError the error's fingerprint and its
// Japanese and English texts (int4 length first), with flagPoints the
// points (int4), with flagCost the cost (float8) and with flagPassed the
// first pass (int8 µs since 2000). A check id is at most
// lab.MaxCheckIDBytes long.
func encodeFingerprints(b []byte, fps []fingerprint) []byte {
	b = append(b, fingerprintVersion)
	for _, fp := range fps {
		b = binary.BigEndian.AppendUint16(b, uint16(len(fp.checkID)))
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
		if fp.points != 0 {
			flags |= flagPoints
		}
		if fp.cost != 0 {
			flags |= flagCost
		}
		b = append(b, statusCode(fp.status), flags)
		b = binary.BigEndian.AppendUint64(b, fp.digest)
		if fp.hasError {
			b = binary.BigEndian.AppendUint64(b, fp.errFP)
			b = binary.BigEndian.AppendUint32(b, uint32(len(fp.errJA)))
			b = append(b, fp.errJA...)
			b = binary.BigEndian.AppendUint32(b, uint32(len(fp.errEN)))
			b = append(b, fp.errEN...)
		}
		if fp.points != 0 {
			b = binary.BigEndian.AppendUint32(b, uint32(fp.points))
		}
		if fp.cost != 0 {
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(fp.cost))
		}
		if fp.passed {
			b = binary.BigEndian.AppendUint64(b, uint64(fp.firstPassed))
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
	start := len(dst)
	r := fingerprintReader{rest: b[1:], ok: true}
	for len(r.rest) > 0 && r.ok {
		fp := fingerprint{checkID: r.bytes(int(r.uint16()))}
		code, flags := int(r.byte()), r.byte()
		if code == 0 || code >= len(statusCodes) {
			return dst[:start], errBadFingerprints
		}
		fp.status = statusCodes[code]
		fp.hasError, fp.stale, fp.passed = flags&flagError != 0, flags&flagStale != 0, flags&flagPassed != 0
		fp.digest = r.uint64()
		if fp.hasError {
			fp.errFP = r.uint64()
			fp.errJA = r.bytes(int(r.uint32()))
			fp.errEN = r.bytes(int(r.uint32()))
		}
		if flags&flagPoints != 0 {
			fp.points = int32(r.uint32())
		}
		if flags&flagCost != 0 {
			fp.cost = math.Float64frombits(r.uint64())
		}
		if fp.passed {
			fp.firstPassed = int64(r.uint64())
		}
		dst = append(dst, fp)
	}
	if !r.ok {
		return dst[:start], errBadFingerprints
	}
	return dst, nil
}

// fingerprintReader reads an encoding front to back; past its end it
// reads zeros and is no longer ok.
type fingerprintReader struct {
	rest []byte
	ok   bool
}

// bytes is the next n bytes (capped: appending to them copies).
func (r *fingerprintReader) bytes(n int) []byte {
	if n < 0 || n > len(r.rest) {
		r.ok, r.rest = false, nil
		return nil
	}
	b := r.rest[:n:n]
	r.rest = r.rest[n:]
	return b
}

func (r *fingerprintReader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *fingerprintReader) uint16() uint16 {
	if b := r.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *fingerprintReader) uint32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *fingerprintReader) uint64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
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

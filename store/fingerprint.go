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
// whether a new result differs from it without reading the result back:
// the status, a digest of everything a reader sees, and the error. A
// student's fingerprints are kept together in student_memory.result_index,
// written in the same transaction as the results they stand for.
type fingerprint struct {
	checkID  []byte
	status   grader.Status
	digest   uint64 // of the judged content: see writes.digest
	hasError bool
	errFP    uint64 // of the error's texts
	// stale digests (of an older encoding) compare with no new one: the
	// result is rewritten once, its status and error known all the same.
	stale bool
}

// fingerprintVersion leads the encoding, so that a later format can tell
// an old one apart. Version 1 had 16-byte digests of SHA-256, twice as
// slow to compute for a class's every result: it still reads, stale.
const fingerprintVersion = 2

// digestSize is the size of a digest in the encoding of each version.
var digestSize = [...]int{1: 16, 2: 8}

// sameDigest tells whether fp stands for judged content digested d.
func (fp fingerprint) sameDigest(d uint64) bool { return !fp.stale && fp.digest == d }

// sameError tells whether fp has an error whose texts fingerprint errFP.
func (fp fingerprint) sameError(errFP uint64) bool {
	return fp.hasError && !fp.stale && fp.errFP == errFP
}

// statusCodes numbers the statuses in the encoding; 0 is none of them.
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

// encodeFingerprints appends the encoding of fps to b: a version byte,
// then per result the check id (length first), the status code, the
// digest, and 0 or 1 followed by the error's fingerprint.
func encodeFingerprints(b []byte, fps []fingerprint) []byte {
	b = append(b, fingerprintVersion)
	for _, fp := range fps {
		b = binary.AppendUvarint(b, uint64(len(fp.checkID)))
		b = append(b, fp.checkID...)
		b = append(b, statusCode(fp.status))
		b = binary.LittleEndian.AppendUint64(b, fp.digest)
		if fp.hasError {
			b = append(b, 1)
			b = binary.LittleEndian.AppendUint64(b, fp.errFP)
		} else {
			b = append(b, 0)
		}
	}
	return b
}

var errBadFingerprints = errors.New("unreadable result fingerprints")

// decodeFingerprints reads what encodeFingerprints wrote. The check ids
// point into b. Empty b (nothing stored yet) is no fingerprints.
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
	version := int(b[0])
	if version == 0 || version >= len(digestSize) {
		return dst, errBadFingerprints
	}
	dsize := digestSize[version]
	b = b[1:]
	start := len(dst)
	for len(b) > 0 {
		n, size := binary.Uvarint(b)
		if size <= 0 || uint64(len(b)-size) < n+1+uint64(dsize)+1 {
			return dst[:start], errBadFingerprints
		}
		b = b[size:]
		fp := fingerprint{checkID: b[:n:n], stale: version != fingerprintVersion}
		b = b[n:]
		code := int(b[0])
		if code == 0 || code >= len(statusCodes) {
			return dst[:start], errBadFingerprints
		}
		fp.status = statusCodes[code]
		if !fp.stale {
			fp.digest = binary.LittleEndian.Uint64(b[1:])
		}
		fp.hasError = b[1+dsize] == 1
		b = b[2+dsize:]
		if fp.hasError {
			if len(b) < 8 {
				return dst[:start], errBadFingerprints
			}
			if !fp.stale {
				fp.errFP = binary.LittleEndian.Uint64(b)
			}
			b = b[8:]
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

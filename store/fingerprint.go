package store

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"

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
// w.buf is reused: SaveScan digests every result of a scan.
func (w *writes) digest(r *grader.Result) uint64 {
	b := w.buf[:0]
	put := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	put(string(r.Status))
	b = binary.AppendVarint(b, int64(r.Points))
	b = binary.AppendVarint(b, int64(r.MaxPoints))
	b = strconv.AppendBool(b, r.Required)
	put(r.Message.JA)
	put(r.Message.EN)
	put(r.Hint.JA)
	put(r.Hint.EN)
	b = binary.AppendUvarint(b, uint64(len(r.Evidence)))
	for _, e := range r.Evidence {
		put(e)
	}
	// Only a cost is digested: the results stored before costs existed
	// keep their digests.
	if r.CostPerHour > 0 {
		b = binary.AppendUvarint(b, math.Float64bits(r.CostPerHour))
	}
	w.buf = b
	return xxhash.Sum64(b)
}

// errorFingerprint tells one error's texts from another's.
func errorFingerprint(t grader.Text) uint64 {
	d := xxhash.New()
	d.WriteString(t.JA)
	d.WriteString("\x00")
	d.WriteString(t.EN)
	return d.Sum64()
}

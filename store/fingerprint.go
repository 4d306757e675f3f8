package store

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"strconv"

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
	digest   [16]byte // of the judged content: see writes.digest
	hasError bool
	errFP    [8]byte // of the error's texts
}

// fingerprintVersion leads the encoding, so that a later format can tell
// an old one apart (and treat it as missing: everything is rewritten once).
const fingerprintVersion = 1

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
		b = append(b, fp.digest[:]...)
		if fp.hasError {
			b = append(b, 1)
			b = append(b, fp.errFP[:]...)
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
	if b[0] != fingerprintVersion {
		return dst, errBadFingerprints
	}
	b = b[1:]
	start := len(dst)
	for len(b) > 0 {
		n, size := binary.Uvarint(b)
		if size <= 0 || uint64(len(b)-size) < n+1+16+1 {
			return dst[:start], errBadFingerprints
		}
		b = b[size:]
		fp := fingerprint{checkID: b[:n:n]}
		b = b[n:]
		code := int(b[0])
		if code == 0 || code >= len(statusCodes) {
			return dst[:start], errBadFingerprints
		}
		fp.status = statusCodes[code]
		copy(fp.digest[:], b[1:17])
		fp.hasError = b[17] == 1
		b = b[18:]
		if fp.hasError {
			if len(b) < 8 {
				return dst[:start], errBadFingerprints
			}
			copy(fp.errFP[:], b[:8])
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
// messages, hint and evidence. 16 bytes of SHA-256 are plenty to notice a
// change. w.buf is reused: SaveScan digests every result of a scan.
func (w *writes) digest(r *grader.Result) [16]byte {
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
	sum := sha256.Sum256(b)
	return [16]byte(sum[:16])
}

// errorFingerprint tells one error's texts from another's.
func errorFingerprint(t grader.Text) [8]byte {
	sum := sha256.Sum256([]byte(t.JA + "\x00" + t.EN))
	return [8]byte(sum[:8])
}

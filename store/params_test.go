package store

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The array parameters encode as the slices pgx takes otherwise, in
// either format: NULL for nil, empty, NULL elements and all.
func TestArrayParamsEncodeAsSlices(t *testing.T) {
	t.Parallel()
	m := pgtype.NewMap()
	s := func(v string) *string { return &v }
	tm := func(v time.Time) *time.Time { return &v }
	local := time.FixedZone("JST", 9*3600)
	texts := []*string{s("a"), nil, s(""), s(`"quoted", {braced}\`), s("日本語")}
	times := []*time.Time{tm(testTime), nil, tm(testTime.In(local).Add(1500 * time.Microsecond)), tm(time.Time{})}
	var nullTexts []pgtype.Text
	var plainTexts []string
	for _, v := range texts {
		nullTexts = append(nullTexts, nullText(v))
		if v != nil {
			plainTexts = append(plainTexts, *v)
		}
	}
	var nullTimes []pgtype.Timestamptz
	var plainTimes []time.Time
	for _, v := range times {
		nullTimes = append(nullTimes, nullTime(v))
		if v != nil {
			plainTimes = append(plainTimes, *v)
		}
	}
	ints := []int64{0, 1, 255, 256, -7, math.MaxInt64, math.MinInt64}
	floats := []float64{0, 0.25, -1, 1e300, math.Inf(1)}
	cases := []struct {
		name      string
		oid       uint32
		got, want any
	}{
		{"bigint", pgtype.Int8ArrayOID, int8Array(ints), ints},
		{"bigint empty", pgtype.Int8ArrayOID, int8Array{}, []int64{}},
		{"bigint nil", pgtype.Int8ArrayOID, int8Array(nil), []int64(nil)},
		{"text", pgtype.TextArrayOID, textArray(plainTexts), plainTexts},
		{"text nil", pgtype.TextArrayOID, textArray(nil), []string(nil)},
		{"text with nulls", pgtype.TextArrayOID, nullTextArray(nullTexts), texts},
		{"text with nulls empty", pgtype.TextArrayOID, nullTextArray{}, []*string{}},
		{"timestamptz", pgtype.TimestamptzArrayOID, timeArray(plainTimes), plainTimes},
		{"timestamptz with nulls", pgtype.TimestamptzArrayOID, nullTimeArray(nullTimes), times},
		{"float8", pgtype.Float8ArrayOID, float8Array(floats), floats},
	}
	for _, c := range cases {
		for _, format := range []int16{pgtype.BinaryFormatCode, pgtype.TextFormatCode} {
			want, err := m.Encode(c.oid, format, c.want, nil)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got, err := m.Encode(c.oid, format, c.got, nil)
			if err != nil {
				t.Errorf("%s (format %d): %v", c.name, format, err)
				continue
			}
			if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
				t.Errorf("%s (format %d): encoded %q, want %q", c.name, format, got, want)
			}
		}
	}
}

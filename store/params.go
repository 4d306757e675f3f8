package store

// Array parameters that pgx encodes without boxing each element: pgx
// encodes a []string or []int64 element by element, each put in an
// interface (an allocation for most strings, ids and times), and a slice
// of pointers (a nullable column) through reflection. SaveScan sends
// tens of thousands of elements. These arrays hand pgx a pointer to each
// element instead, of a type with the method its codec asks for: a
// pointer goes in an interface as it is.

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// arrayDims are the dimensions of a one-dimensional array of n elements,
// nil (NULL) for a nil slice, as pgtype.FlatArray has them.
func arrayDims(n int, isNil bool) []pgtype.ArrayDimension {
	if isNil {
		return nil
	}
	return []pgtype.ArrayDimension{{Length: int32(n), LowerBound: 1}}
}

// int8Array is a bigint[] parameter.
type int8Array []int64

type int8Elem int64

func (a int8Array) Dimensions() []pgtype.ArrayDimension { return arrayDims(len(a), a == nil) }
func (a int8Array) Index(i int) any                     { return (*int8Elem)(&a[i]) }
func (a int8Array) IndexType() any                      { return (*int8Elem)(nil) }

func (e *int8Elem) Int64Value() (pgtype.Int8, error) {
	return pgtype.Int8{Int64: int64(*e), Valid: true}, nil
}

// textArray is a text[] parameter.
type textArray []string

type textElem string

func (a textArray) Dimensions() []pgtype.ArrayDimension { return arrayDims(len(a), a == nil) }
func (a textArray) Index(i int) any                     { return (*textElem)(&a[i]) }
func (a textArray) IndexType() any                      { return (*textElem)(nil) }

func (e *textElem) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: string(*e), Valid: true}, nil
}

// nullTextArray is a text[] parameter with NULLs (Valid false).
type nullTextArray []pgtype.Text

func (a nullTextArray) Dimensions() []pgtype.ArrayDimension { return arrayDims(len(a), a == nil) }
func (a nullTextArray) Index(i int) any                     { return &a[i] }
func (a nullTextArray) IndexType() any                      { return (*pgtype.Text)(nil) }

// timeArray is a timestamptz[] parameter.
type timeArray []time.Time

type timeElem time.Time

func (a timeArray) Dimensions() []pgtype.ArrayDimension { return arrayDims(len(a), a == nil) }
func (a timeArray) Index(i int) any                     { return (*timeElem)(&a[i]) }
func (a timeArray) IndexType() any                      { return (*timeElem)(nil) }

func (e *timeElem) TimestamptzValue() (pgtype.Timestamptz, error) {
	return pgtype.Timestamptz{Time: time.Time(*e), Valid: true}, nil
}

// nullTimeArray is a timestamptz[] parameter with NULLs (Valid false).
type nullTimeArray []pgtype.Timestamptz

func (a nullTimeArray) Dimensions() []pgtype.ArrayDimension { return arrayDims(len(a), a == nil) }
func (a nullTimeArray) Index(i int) any                     { return &a[i] }
func (a nullTimeArray) IndexType() any                      { return (*pgtype.Timestamptz)(nil) }

// nullText is s, or NULL for nil.
func nullText(s *string) pgtype.Text {
	if s == nil {
		return pgtype.Text{}
	}
	return pgtype.Text{String: *s, Valid: true}
}

// nullTime is t, or NULL for nil.
func nullTime(t *time.Time) pgtype.Timestamptz {
	if t == nil {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: *t, Valid: true}
}

// float8Array is a float8[] parameter.
type float8Array []float64

type float8Elem float64

func (a float8Array) Dimensions() []pgtype.ArrayDimension { return arrayDims(len(a), a == nil) }
func (a float8Array) Index(i int) any                     { return (*float8Elem)(&a[i]) }
func (a float8Array) IndexType() any                      { return (*float8Elem)(nil) }

func (e *float8Elem) Float64Value() (pgtype.Float8, error) {
	return pgtype.Float8{Float64: float64(*e), Valid: true}, nil
}

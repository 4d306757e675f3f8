package views

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"

	"labgrid/web/i18n"
)

// Targets (issue 4): the grid of 200 students renders in under 30 ms and
// under 400 KB of HTML; one live row update is under 4 KB on the wire.
// Issue 12: the grid of 1,000 students (17 checks) is under 150 KB on the
// wire, gzipped as web's compression middleware sends it.
const (
	gridPageBudget     = 400 << 10
	gridRowBudget      = 4 << 10
	gridPage1000Budget = 150 << 10
)

// BenchmarkGridPage200 renders the grid of 200 students, with the rubric's
// 17 checks and with 19 (the two opt-in probes too). It reports the page's
// size in html-bytes.
func BenchmarkGridPage200(b *testing.B) {
	for _, probes := range []bool{false, true} {
		for _, lang := range i18n.Langs {
			g := sampleGrid(lang, 200, probes)
			b.Run("checks="+strconv.Itoa(len(g.Columns))+"/"+string(lang), func(b *testing.B) {
				var buf bytes.Buffer
				if err := GridPage(g).Render(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
				size := buf.Len()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					buf.Reset()
					if err := GridPage(g).Render(context.Background(), &buf); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size), "html-bytes")
			})
		}
	}
}

// BenchmarkGridRow renders one row, what the live stream sends on a
// change; html-bytes is the largest row of the sample class.
func BenchmarkGridRow(b *testing.B) {
	g := sampleGrid(i18n.JA, 200, true)
	ctx := g.Context()
	ctx.Fresh = true
	largest := 0
	for _, r := range g.Rows {
		var buf bytes.Buffer
		if err := GridRow(ctx, r).Render(context.Background(), &buf); err != nil {
			b.Fatal(err)
		}
		largest = max(largest, buf.Len())
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := GridRow(ctx, g.Rows[i%len(g.Rows)]).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(largest), "html-bytes")
}

// TestGridSizeBudget holds the sizes to the targets (sizes, not times, so a
// test and not only a benchmark).
func TestGridSizeBudget(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		g := sampleGrid(lang, 200, true) // 19 checks, the larger case
		var buf bytes.Buffer
		if err := GridPage(g).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		if buf.Len() >= gridPageBudget {
			t.Errorf("%s: the 200-student grid is %d bytes, want < %d", lang, buf.Len(), gridPageBudget)
		}
		ctx := g.Context()
		ctx.Fresh = true
		for _, r := range g.Rows {
			buf.Reset()
			if err := GridRow(ctx, r).Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			// What the stream sends: "event: student-N\ndata: <row>\n\n".
			wire := len("event: ") + len(r.EventName()) + len("\ndata: ") + buf.Len() + 2
			if wire >= gridRowBudget {
				t.Errorf("%s: row %s is %d bytes on the wire, want < %d", lang, r.Login, wire, gridRowBudget)
			}
		}
	}
}

// gzipped is how many bytes b is once gzipped as web's middleware does it
// (gzhttp: klauspost's gzip at its default level).
func gzipped(t testing.TB, b []byte) int {
	var out bytes.Buffer
	zw, err := kgzip.NewWriterLevel(&out, kgzip.DefaultCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Len()
}

// TestGridSize1000 holds the grid of a thousand students to its budget on
// the wire, in either language. Its plain size is logged, as are the 200
// students' (go test -v -run TestGridSize1000).
func TestGridSize1000(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		for _, n := range []int{200, 1000} {
			g := sampleGrid(lang, n, false) // 17 checks
			var buf bytes.Buffer
			if err := GridPage(g).Render(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			gz := gzipped(t, buf.Bytes())
			t.Logf("%s: %d students × %d checks: %d bytes of HTML, %d gzipped", lang, n, len(g.Columns), buf.Len(), gz)
			if n == 1000 && gz >= gridPage1000Budget {
				t.Errorf("%s: the 1,000-student grid is %d bytes gzipped, want < %d", lang, gz, gridPage1000Budget)
			}
		}
	}
}

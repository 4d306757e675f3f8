package views

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"labgrid/grader"
	"labgrid/web/i18n"
)

// ProgressPage is the instructor's progress page of a class: how many
// students had passed each check over time, and how long they took.
type ProgressPage struct {
	Page
	Class string
	// Labs are the class's labs; Lab the one shown ("": every lab), as on
	// the grid.
	Labs       []grader.LabInfo
	Lab        string
	UnknownLab string
	Chart      ProgressChart
}

// ProgressChart is what the progress page draws, redrawn live as a whole
// (ProgressEvent).
type ProgressChart struct {
	Lang i18n.Lang
	// Start is the class's start; Now the moment drawn (see End).
	Start, Now time.Time
	Students   int
	Checks     []ProgressCheck
}

// ProgressCheck is how the students passed one check (store.CheckProgress
// with the check's titles).
type ProgressCheck struct {
	ID    string
	Title grader.Text
	// PassedAt are the first passes, in order: from PassedAt[i] on, i+1
	// students had passed.
	PassedAt []time.Time
	// Took is how long each student who passed took, shortest first.
	Took []time.Duration
}

// Median is the median time the students who passed took (the lower of
// the two middle ones), false when no student passed: the one median of
// the charts and the report.
func (c ProgressCheck) Median() (time.Duration, bool) { return medianOf(c.Took) }

// medianOf is the median of sorted, the lower of the middle two for an
// even count: the one rule for every median the pages show.
func medianOf(sorted []time.Duration) (time.Duration, bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	return sorted[(len(sorted)-1)/2], true
}

// PassRate is the percentage of the class's students who passed the
// check, rounded down.
func (c ProgressChart) PassRate(ch ProgressCheck) int {
	return len(ch.PassedAt) * 100 / max(c.Students, 1)
}

// ProgressEvent is the server-sent event name of the progress page's
// charts.
const ProgressEvent = "progress"

// ProgressURL is a class's progress page; ProgressEventsURL its live
// stream. lab, when set, keeps to one lab.
func ProgressURL(class, lab string) string {
	return withLab("/classes/"+segment(class)+"/progress", lab)
}
func ProgressEventsURL(class, lab string) string {
	return withLab("/classes/"+segment(class)+"/progress/events", lab)
}

func withLab(u, lab string) string {
	if lab == "" {
		return u
	}
	return u + "?" + url.Values{ParamLab: {lab}}.Encode()
}

// Empty says no student passed any check: the page says so instead of
// drawing nothing.
func (c ProgressChart) Empty() bool {
	for _, ch := range c.Checks {
		if len(ch.PassedAt) > 0 {
			return false
		}
	}
	return true
}

// Chart limits. The chart runs from the start to now, but no further than
// chartTail after the last pass, so that a class that ended draws the same
// any day after; it spans at least chartMinSpan.
const (
	chartTail    = 2 * time.Hour
	chartMinSpan = 30 * time.Minute
)

// End is where the time axis ends.
func (c ProgressChart) End() time.Time {
	last := c.Start
	for _, ch := range c.Checks {
		if n := len(ch.PassedAt); n > 0 && ch.PassedAt[n-1].After(last) {
			last = ch.PassedAt[n-1]
		}
	}
	end := c.Now
	if tail := last.Add(chartTail); end.After(tail) {
		end = tail
	}
	if min := c.Start.Add(chartMinSpan); end.Before(min) {
		end = min
	}
	return end
}

// The chart's geometry, in SVG user units: the plot at the left, the
// lines' labels at the right.
const (
	chartWidth   = 1000
	plotLeft     = 56
	plotWidth    = 600
	plotTop      = 24
	axisHeight   = 40
	labelLeft    = plotLeft + plotWidth + 28
	labelSpacing = 15
	minPlot      = 240
)

// plotHeight leaves each line's label room.
func (c ProgressChart) plotHeight() int { return max(minPlot, labelSpacing*len(c.Checks)) }

// Height is the SVG's height.
func (c ProgressChart) Height() int { return plotTop + c.plotHeight() + axisHeight }

// ViewBox is the SVG's viewBox.
func (c ProgressChart) ViewBox() string {
	return "0 0 " + strconv.Itoa(chartWidth) + " " + strconv.Itoa(c.Height())
}

func (c ProgressChart) x(t time.Time, end time.Time) int {
	span := end.Sub(c.Start)
	d := min(max(t.Sub(c.Start), 0), span)
	return plotLeft + int(int64(plotWidth)*int64(d)/int64(span))
}

func (c ProgressChart) y(n int) int {
	h := c.plotHeight()
	if c.Students <= 0 {
		return plotTop + h
	}
	return plotTop + h - (h*min(n, c.Students)+c.Students/2)/c.Students
}

// Line is one check's line on the chart.
type Line struct {
	Check ProgressCheck
	// Path is the step line of how many had passed (an SVG path).
	Path string
	// Series picks the line's stroke and dash pattern (app.css: s0…s7 and
	// d0…d3); never the only way to tell lines apart: each is labelled.
	Series string
	// Passed is how many had passed at the end; EndY where the line ends,
	// LabelY where its label is (labels are spread apart).
	Passed       int
	EndY, LabelY int
}

// Lines are the checks' lines, in order.
func (c ProgressChart) Lines() []Line {
	end := c.End()
	right := c.x(end, end)
	lines := make([]Line, len(c.Checks))
	var b strings.Builder
	for i, ch := range c.Checks {
		b.Reset()
		b.WriteString("M" + strconv.Itoa(plotLeft) + " " + strconv.Itoa(c.y(0)))
		// One step per pixel: the passes that land on the same x are one.
		lastX, lastY := plotLeft, c.y(0)
		passed := 0
		for k, at := range ch.PassedAt {
			if at.After(end) {
				break
			}
			passed = k + 1
			x, y := c.x(at, end), c.y(k+1)
			if k+1 < len(ch.PassedAt) && !ch.PassedAt[k+1].After(end) && c.x(ch.PassedAt[k+1], end) == x {
				continue
			}
			if x != lastX {
				b.WriteString("H" + strconv.Itoa(x))
			}
			if y != lastY {
				b.WriteString("V" + strconv.Itoa(y))
			}
			lastX, lastY = x, y
		}
		if right != lastX {
			b.WriteString("H" + strconv.Itoa(right))
		}
		lines[i] = Line{
			Check:  ch,
			Path:   b.String(),
			Series: "s" + strconv.Itoa(i%8) + " d" + strconv.Itoa((i/2)%4),
			Passed: passed,
			EndY:   lastY,
		}
	}
	spreadLabels(lines, plotTop+4, plotTop+c.plotHeight()+4)
	return lines
}

// Swatch is a short stretch of the line's stroke before its label: the
// label's key to the line.
func (l Line) Swatch() string {
	return "M" + strconv.Itoa(labelLeft-24) + " " + strconv.Itoa(l.LabelY-4) + "h18"
}

// spreadLabels sets each line's LabelY near its EndY, labelSpacing apart,
// between top and bottom, in the lines' vertical order.
func spreadLabels(lines []Line, top, bottom int) {
	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return lines[a].EndY - lines[b].EndY })
	prev := top - labelSpacing
	for _, i := range order {
		lines[i].LabelY = max(lines[i].EndY+4, prev+labelSpacing)
		prev = lines[i].LabelY
	}
	next := bottom + labelSpacing
	for k := len(order) - 1; k >= 0; k-- {
		i := order[k]
		lines[i].LabelY = min(lines[i].LabelY, next-labelSpacing)
		next = lines[i].LabelY
	}
}

// Tick is a mark on an axis.
type Tick struct {
	At    int // x or y
	Label string
}

// tickSteps are the spacings the time axis picks from.
var tickSteps = []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

// TimeTicks are the time axis's marks: time since the start, at most 9.
func (c ProgressChart) TimeTicks(ck *i18n.Cockpit) []Tick {
	end := c.End()
	span := end.Sub(c.Start)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if span/s <= 8 {
			step = s
			break
		}
	}
	var ticks []Tick
	for d := time.Duration(0); d <= span; d += step {
		ticks = append(ticks, Tick{At: c.x(c.Start.Add(d), end), Label: ck.Elapsed(d)})
	}
	return ticks
}

// StudentTicks are the count axis's marks: 0, a quarter … all the class.
func (c ProgressChart) StudentTicks() []Tick {
	var ticks []Tick
	last := -1
	for q := range 5 {
		n := c.Students * q / 4
		if n == last {
			continue
		}
		last = n
		ticks = append(ticks, Tick{At: c.y(n), Label: strconv.Itoa(n)})
	}
	return ticks
}

// PlotLeft … are the plot's edges, for the axes.
func (ProgressChart) PlotLeft() int     { return plotLeft }
func (ProgressChart) PlotRight() int    { return plotLeft + plotWidth }
func (ProgressChart) LabelLeft() int    { return labelLeft }
func (c ProgressChart) PlotBottom() int { return plotTop + c.plotHeight() }

// The distributions' geometry: one small histogram per check, on a scale
// common to every check.
const (
	histWidth  = 320
	histHeight = 36
	histBase   = 30 // the bars' baseline; the scale's labels below
	maxBins    = 24
)

// binWidths are the histograms' bin widths, the first that needs at most
// maxBins.
var binWidths = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}

// Histogram is the distribution of one check's times.
type Histogram struct {
	Check ProgressCheck
	// Path draws the bars (an SVG path); empty when no student passed.
	Path string
	// Median, when HasMedian, is marked at MedianX.
	Median    time.Duration
	HasMedian bool
	MedianX   int
}

// HistScale is the histograms' common scale: the bin width and count.
type HistScale struct {
	Bin  time.Duration
	Bins int
}

// Scale is the histograms' scale, from the longest time taken.
func (c ProgressChart) Scale() HistScale {
	var longest time.Duration
	for _, ch := range c.Checks {
		if n := len(ch.Took); n > 0 {
			longest = max(longest, ch.Took[n-1])
		}
	}
	bin := binWidths[len(binWidths)-1]
	for _, w := range binWidths {
		if int(longest/w)+1 <= maxBins {
			bin = w
			break
		}
	}
	return HistScale{Bin: bin, Bins: min(int(longest/bin)+1, maxBins)}
}

// Span is what the scale covers.
func (s HistScale) Span() time.Duration { return s.Bin * time.Duration(s.Bins) }

// Histograms are the checks' distributions, in order, on scale s.
func (c ProgressChart) Histograms(s HistScale) []Histogram {
	out := make([]Histogram, len(c.Checks))
	counts := make([]int, s.Bins)
	barW := histWidth / s.Bins
	var b strings.Builder
	for i, ch := range c.Checks {
		h := Histogram{Check: ch}
		if len(ch.Took) > 0 {
			clear(counts)
			most := 0
			for _, d := range ch.Took {
				k := min(int(d/s.Bin), s.Bins-1)
				counts[k]++
				most = max(most, counts[k])
			}
			b.Reset()
			for k, n := range counts {
				if n == 0 {
					continue
				}
				bh := max(1, (histBase-2)*n/most)
				b.WriteString("M" + strconv.Itoa(k*barW) + " " + strconv.Itoa(histBase) +
					"v-" + strconv.Itoa(bh) + "h" + strconv.Itoa(barW-1) + "v" + strconv.Itoa(bh) + "z")
			}
			h.Path = b.String()
			h.Median, h.HasMedian = ch.Median()
			h.MedianX = min(histWidth, int(int64(histWidth)*int64(h.Median)/int64(s.Span())))
		}
		out[i] = h
	}
	return out
}

// HistViewBox is each histogram's viewBox.
func HistViewBox() string {
	return "0 0 " + strconv.Itoa(histWidth) + " " + strconv.Itoa(histHeight+10)
}

// HistRight and HistBase place the histograms' scale.
func HistRight() int { return histWidth }
func HistBase() int  { return histBase }

// Bottleneck is a check that many of the students who reached it are
// stuck on: the grid says so at its top.
type Bottleneck struct {
	CheckID string
	Title   grader.Text
	// Stuck of Reached students are stuck on it for Minutes or more;
	// Minutes is the class's setting.
	Stuck, Reached int
	Minutes        int
	// Hint is what the stuck students are told to do, most often; empty
	// when they are told nothing.
	Hint grader.Text
}

// Percent is the share of the students who reached the check that are
// stuck on it, rounded down.
func (b Bottleneck) Percent() int { return b.Stuck * 100 / max(b.Reached, 1) }

// BottleneckURL is the grid's bottleneck banner alone, which polls itself.
func BottleneckURL(class, lab string) string {
	return withLab("/classes/"+segment(class)+"/bottleneck", lab)
}

// bottleneckPoll is how often the banner asks again: being stuck is a
// matter of time, not only of new results.
const bottleneckPoll = "every 30s"

// stuckURL is the grid filtered to the students who have not passed the
// check, the longest stuck first.
func stuckURL(class, lab, checkID string) string {
	return failingURL(class, GridQuery{Lab: lab, Sort: SortStuck}, checkID)
}

package i18n

import (
	"fmt"
	"time"
)

// Cockpit are the texts of the instructor's cockpit: the progress page
// and the bottleneck banner of the grid.
type Cockpit struct {
	ProgressTitleF  string // %s: class name
	ProgressLink    string // the grid's link to the page
	BackToGrid      string
	SinceF          string // %s: the class's start
	PassedOverTime  string // the chart's heading
	PassedOverTimeD string // what the chart shows
	ChartLabelF     string // %d passed, %d students, %s check: a line's label
	AxisTime        string // x axis: time since the start
	AxisStudents    string // y axis
	NoResults       string // a class with no pass yet
	TimeTaken       string // the distributions' heading
	TimeTakenD      string // what they show
	Check           string
	PassedHeader    string
	PassedOfF       string // %d of %d
	MedianHeader    string
	MedianF         string // %s: duration
	NoneYet         string // a check no one passed: no median
	Distribution    string
	BinF            string // %d students, %s–%s
	RedrawNote      string

	BottleneckF        string // %s: check title
	BottleneckDetailF  string // %d stuck, %d reached, %d percent, %d minutes
	BottleneckStudents string // link to the filtered grid
	BottleneckHint     string // the hint to read out

	MinutesF       string // %d
	HoursMinutesF  string // %d h, %d min
	ElapsedAxisF   string // %d:%02d after the start (tick labels)
	ReachedMeaning string // how "reached" is counted
}

var cockpitJA = Cockpit{
	ProgressTitleF:  "%s の進み具合",
	ProgressLink:    "進み具合のグラフ",
	BackToGrid:      "一覧に戻る",
	SinceF:          "開始 %s",
	PassedOverTime:  "チェックごとの合格者数の推移",
	PassedOverTimeD: "開始からの経過時間ごとに、各チェックに合格した受講者の数(最初の合格の時点で数えます)。",
	ChartLabelF:     "%d/%d %s",
	AxisTime:        "開始からの経過時間",
	AxisStudents:    "合格者数",
	NoResults:       "このクラスにはまだ合格したチェックがありません。合格者が出るとグラフを描きます。",
	TimeTaken:       "合格までにかかった時間",
	TimeTakenD:      "受講者ごとに、開始(またはそれより前のチェックの最後の合格)から各チェックに合格するまでの時間の分布。縦線が中央値です。",
	Check:           "チェック",
	PassedHeader:    "合格者",
	PassedOfF:       "%d / %d 人",
	MedianHeader:    "中央値",
	MedianF:         "中央値 %s",
	NoneYet:         "合格者なし",
	Distribution:    "分布",
	BinF:            "%d 人: %s〜%s",
	RedrawNote:      "結果が変わると数秒ごとに描き直します。",

	BottleneckF:        "つまずきどころ: 「%s」",
	BottleneckDetailF:  "ここまで進んだ %[2]d 人のうち %[1]d 人(%[3]d%%)が %[4]d 分以上止まっています。",
	BottleneckStudents: "止まっている受講者を表示",
	BottleneckHint:     "読み上げるヒント",

	MinutesF:       "%d 分",
	HoursMinutesF:  "%d 時間 %d 分",
	ElapsedAxisF:   "%d:%02d",
	ReachedMeaning: "「ここまで進んだ」: 同じラボでこのチェックより前の必須チェックにすべて合格済み。",
}

var cockpitEN = Cockpit{
	ProgressTitleF:  "Progress of %s",
	ProgressLink:    "Progress chart",
	BackToGrid:      "Back to the grid",
	SinceF:          "Started %s",
	PassedOverTime:  "Students who passed each check, over time",
	PassedOverTimeD: "For each check, how many students had passed it at each moment since the start (counted from their first pass).",
	ChartLabelF:     "%d/%d %s",
	AxisTime:        "Time since the start",
	AxisStudents:    "Students passed",
	NoResults:       "No student of this class has passed a check yet: the charts appear with the first pass.",
	TimeTaken:       "Time taken to pass",
	TimeTakenD:      "How long each student took to pass each check, from the start (or their latest pass of an earlier check). The vertical line is the median.",
	Check:           "Check",
	PassedHeader:    "Passed",
	PassedOfF:       "%d of %d",
	MedianHeader:    "Median",
	MedianF:         "median %s",
	NoneYet:         "no pass yet",
	Distribution:    "Distribution",
	BinF:            "%d students: %s to %s",
	RedrawNote:      "Redrawn every few seconds while results change.",

	BottleneckF:        "Bottleneck: “%s”",
	BottleneckDetailF:  "%d of the %d students who reached it (%d%%) have been stuck on it for %d minutes or more.",
	BottleneckStudents: "Show the stuck students",
	BottleneckHint:     "Hint to read out",

	MinutesF:       "%d min",
	HoursMinutesF:  "%d h %d min",
	ElapsedAxisF:   "%d:%02d",
	ReachedMeaning: "\"Reached\": passed every required check before this one in its lab.",
}

// CockpitFor returns the cockpit's texts in l (Japanese for an unknown l).
func CockpitFor(l Lang) *Cockpit {
	if l == EN {
		return &cockpitEN
	}
	return &cockpitJA
}

func (c *Cockpit) ProgressTitle(class string) string { return fmt.Sprintf(c.ProgressTitleF, class) }
func (c *Cockpit) Since(at string) string            { return fmt.Sprintf(c.SinceF, at) }
func (c *Cockpit) ChartLabel(passed, total int, check string) string {
	return fmt.Sprintf(c.ChartLabelF, passed, total, check)
}
func (c *Cockpit) PassedOf(passed, total int) string { return fmt.Sprintf(c.PassedOfF, passed, total) }
func (c *Cockpit) Median(d time.Duration) string     { return fmt.Sprintf(c.MedianF, c.Took(d)) }
func (c *Cockpit) Bin(n int, from, to time.Duration) string {
	return fmt.Sprintf(c.BinF, n, c.Took(from), c.Took(to))
}
func (c *Cockpit) Bottleneck(check string) string { return fmt.Sprintf(c.BottleneckF, check) }
func (c *Cockpit) BottleneckDetail(stuck, reached, percent, minutes int) string {
	return fmt.Sprintf(c.BottleneckDetailF, stuck, reached, percent, minutes)
}

// Took says a time taken to the minute: "12 分", "1 時間 5 分".
func (c *Cockpit) Took(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf(c.MinutesF, m)
	}
	return fmt.Sprintf(c.HoursMinutesF, m/60, m%60)
}

// Elapsed is a tick of the time axis: "1:30" after the start.
func (c *Cockpit) Elapsed(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf(c.ElapsedAxisF, m/60, m%60)
}

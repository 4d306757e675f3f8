package i18n

import "fmt"

// Report are the texts of a class's one-page report, read after the
// day (and printed).
type Report struct {
	TitleF       string // %s: class name; the class list's link too
	Link         string // the grid's link to it; the class list's header
	PrintNote    string // how to make a PDF of it
	GeneratedF   string // %s: when the page was made
	NoResults    string // a class with no result
	PassRates    string // the pass rates' heading
	PassRatesD   string
	RateHeader   string
	PercentF     string // %d
	Slowest      string // the slowest checks' heading
	SlowestD     string
	NoSlowest    string // no check passed yet: no median
	Scores       string // the final scores' heading
	ScoresD      string
	Student      string
	Total        string
	NoStudents   string
	ChartsHeader string // the progress charts' heading
	Help         string // the help requests' heading
	HelpD        string
	NoHelp       string
	HelpCountF   string // %d requests, %s: the median wait
	Raised       string // the table's headers
	Message      string
	Waited       string
	Outcome      string
	OutcomeOpen  string // still waiting at the end
	OutcomeDone  string
	OutcomeGone  string // withdrawn by the student
}

var reportJA = Report{
	TitleF:       "%s のレポート",
	Link:         "レポート",
	PrintNote:    "ブラウザの印刷(PDF に保存)で 1 つの文書にできます。",
	GeneratedF:   "作成 %s",
	NoResults:    "このクラスにはまだ結果がありません。採点が始まるとレポートを作ります。",
	PassRates:    "チェックごとの合格率",
	PassRatesD:   "ラボごとに、各チェックに一度でも合格した受講者の割合。",
	RateHeader:   "合格率",
	PercentF:     "%d%%",
	Slowest:      "時間のかかったチェック",
	SlowestD:     "合格までにかかった時間の中央値が長い順。",
	NoSlowest:    "まだ合格したチェックがありません。",
	Scores:       "最終得点",
	ScoresD:      "受講者ごとの得点(一覧と CSV と同じ値)。",
	Student:      "受講者",
	Total:        "合計",
	NoStudents:   "このクラスにはまだ受講者がいません。",
	ChartsHeader: "進み具合",
	Help:         "助けを求めた受講者",
	HelpD:        "手を挙げた順。待ち時間は手を挙げてから講師が向かう(または終わる・取り下げる)まで。",
	NoHelp:       "手を挙げた受講者はいませんでした。",
	HelpCountF:   "%d 件、待ち時間の中央値 %s",
	Raised:       "手を挙げた時刻",
	Message:      "メッセージ",
	Waited:       "待ち時間",
	Outcome:      "結果",
	OutcomeOpen:  "未完了",
	OutcomeDone:  "対応済み",
	OutcomeGone:  "取り下げ",
}

var reportEN = Report{
	TitleF:       "Report of %s",
	Link:         "Report",
	PrintNote:    "Print it from the browser (Save as PDF) to keep it as one document.",
	GeneratedF:   "Made %s",
	NoResults:    "This class has no result yet: the report is made once grading starts.",
	PassRates:    "Pass rate of each check",
	PassRatesD:   "By lab, the share of the students who passed each check at least once.",
	RateHeader:   "Pass rate",
	PercentF:     "%d%%",
	Slowest:      "Slowest checks",
	SlowestD:     "By median time to pass, the longest first.",
	NoSlowest:    "No check has been passed yet.",
	Scores:       "Final scores",
	ScoresD:      "Each student's score, as on the grid and in the CSV.",
	Student:      "Student",
	Total:        "Total",
	NoStudents:   "This class has no student yet.",
	ChartsHeader: "Progress",
	Help:         "Help requests",
	HelpD:        "In the order the hands went up. The wait runs from the hand raised to the instructor on their way (or the request done or withdrawn).",
	NoHelp:       "No student asked for help.",
	HelpCountF:   "%d requests, median wait %s",
	Raised:       "Raised",
	Message:      "Message",
	Waited:       "Waited",
	Outcome:      "Outcome",
	OutcomeOpen:  "still open",
	OutcomeDone:  "done",
	OutcomeGone:  "withdrawn",
}

// ReportFor returns the report's texts in l (Japanese for an unknown l).
func ReportFor(l Lang) *Report {
	if l == EN {
		return &reportEN
	}
	return &reportJA
}

func (r *Report) Title(class string) string  { return fmt.Sprintf(r.TitleF, class) }
func (r *Report) Generated(at string) string { return fmt.Sprintf(r.GeneratedF, at) }
func (r *Report) Percent(p int) string       { return fmt.Sprintf(r.PercentF, p) }
func (r *Report) HelpCount(n int, median string) string {
	return fmt.Sprintf(r.HelpCountF, n, median)
}

package views

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"labgrid/grader"
	"labgrid/web/i18n"
	"labgrid/web/static"
)

// --- a tiny DOM toolkit over x/net/html ---

func parseDoc(t testing.TB, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

// parseRow parses a lone <tr> as the browser does when htmx swaps it into
// a <tbody>.
func parseRow(t testing.TB, s string) []*html.Node {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "tbody", DataAtom: atom.Tbody}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		t.Fatalf("parse fragment: %v", err)
	}
	return nodes
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrOr(n *html.Node, key string) string { v, _ := attr(n, key); return v }

func hasClass(n *html.Node, class string) bool {
	return containsWord(attrOr(n, "class"), class)
}

func containsWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

// all returns the elements under n (n included) that match.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

func byID(n *html.Node, id string) *html.Node {
	found := all(n, func(n *html.Node) bool { return attrOr(n, "id") == id })
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

func children(n *html.Node, name string) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == name {
			out = append(out, c)
		}
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// --- the grid ---

func TestGridPage(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			t.Parallel()
			g := sampleGrid(lang, 30, false)
			m := i18n.For(lang)
			doc := parseDoc(t, render(t, GridPage(g)))

			// The page connects to the class's stream.
			conn := all(doc, func(n *html.Node) bool { _, ok := attr(n, "sse-connect"); return ok })
			if len(conn) != 1 || attrOr(conn[0], "sse-connect") != "/classes/"+sampleClass+"/events" || attrOr(conn[0], "hx-ext") != "sse" {
				t.Fatalf("want one hx-ext=sse sse-connect=/classes/%s/events, got %d", sampleClass, len(conn))
			}
			// Relative cell links resolve under the class's students.
			bases := all(doc, tag("base"))
			if len(bases) != 1 || attrOr(bases[0], "href") != "/classes/"+sampleClass+"/students/" {
				t.Fatalf("base: %v", bases)
			}

			tables := all(doc, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "grid") })
			if len(tables) != 1 {
				t.Fatalf("want one grid table, got %d", len(tables))
			}
			tbody := all(tables[0], tag("tbody"))[0]
			rows := children(tbody, "tr")
			if len(rows) != len(g.Rows) {
				t.Fatalf("%d rows, want one per student (%d)", len(rows), len(g.Rows))
			}
			for i, tr := range rows {
				checkRow(t, m, g.Rows[i], tr)
			}

			// Two-level header: areas spanning their checks, then one
			// header per check, in the columns' order.
			thead := all(tables[0], tag("thead"))[0]
			hrows := children(thead, "tr")
			if len(hrows) != 3 {
				t.Fatalf("thead has %d rows, want areas, checks, summary", len(hrows))
			}
			var areas []string
			span := 0
			for _, th := range children(hrows[0], "th") {
				if attrOr(th, "scope") != "colgroup" {
					continue
				}
				n, _ := strconv.Atoi(attrOr(th, "colspan"))
				span += n
				areas = append(areas, text(th))
			}
			// The area headers are the lab's area titles.
			wantAreas := map[i18n.Lang][]string{
				i18n.JA: {"ネットワーク", "Aurora", "Webサーバ", "ロードバランサー", "アクセス制御"},
				i18n.EN: {"Network", "Aurora", "Web servers", "Load balancer", "Access control"},
			}[lang]
			if !reflect.DeepEqual(areas, wantAreas) || span != len(g.Columns) {
				t.Errorf("area headers %q spanning %d, want %q spanning %d", areas, span, wantAreas, len(g.Columns))
			}
			checkHeads := children(hrows[1], "th")
			if len(checkHeads) != len(g.Columns) {
				t.Fatalf("%d check headers, want %d", len(checkHeads), len(g.Columns))
			}
			for i, th := range checkHeads {
				if attrOr(th, "scope") != "col" || text(th) != m.Text(g.Columns[i].Short) || text(th) == "" {
					t.Errorf("check header %d: scope %q text %q, want col %q", i, attrOr(th, "scope"), text(th), m.Text(g.Columns[i].Short))
				}
				a := all(th, tag("a"))
				if len(a) != 1 || !strings.Contains(attrOr(a[0], "href"), "failing="+url.QueryEscape(g.Columns[i].ID)) {
					t.Errorf("check header %d does not link to its failing filter", i)
				}
			}
			// The column headers are the lab's short titles.
			var heads []string
			for _, th := range checkHeads {
				heads = append(heads, text(th))
			}
			wantHeads := map[i18n.Lang][]string{
				i18n.JA: {"VPC", "公開", "非公開", "クラスタ", "レプリカ", "マルチAZ", "非公開", "FO", "AMI", "#2", "2AZ", "ALB", "2AZ", "SG", "リスナー", "TG", "ALB経由"},
				i18n.EN: {"VPC", "public", "private", "cluster", "replica", "multi-AZ", "private", "failover", "AMI", "#2", "2 AZs", "ALB", "2 AZs", "SG", "listener", "targets", "via ALB"},
			}[lang]
			if !reflect.DeepEqual(heads, wantHeads) {
				t.Errorf("check headers %q, want %q", heads, wantHeads)
			}
			checkSummary(t, g, hrows[2])
		})
	}
}

// checkRow asserts one rendered row against its view model.
func checkRow(t *testing.T, m *i18n.Messages, r Row, tr *html.Node) {
	t.Helper()
	want := "student-" + strconv.FormatInt(r.ID, 10)
	if attrOr(tr, "id") != want || attrOr(tr, "sse-swap") != want || attrOr(tr, "hx-swap") != "outerHTML" {
		t.Errorf("row %s: id=%q sse-swap=%q hx-swap=%q, want %q, %q, outerHTML",
			r.Login, attrOr(tr, "id"), attrOr(tr, "sse-swap"), attrOr(tr, "hx-swap"), want, want)
	}
	ths := children(tr, "th")
	if len(ths) != 1 || attrOr(ths[0], "scope") != "row" || !strings.Contains(text(ths[0]), r.Login) || !strings.Contains(text(ths[0]), r.DisplayName) {
		t.Errorf("row %s: the row header should name the student", r.Login)
	}
	if hasErr := r.Error != (grader.Text{}); hasErr != strings.Contains(text(ths[0]), m.ScanError) {
		t.Errorf("row %s: error marker shown should be %v", r.Login, hasErr)
	}
	tds := children(tr, "td")
	if len(tds) != 2+len(r.Cells) {
		t.Fatalf("row %s: %d cells, want progress, last scanned and %d checks", r.Login, len(tds), len(r.Cells))
	}
	// Progress bar and score.
	prog := all(tds[0], tag("progress"))
	if len(prog) != 1 || attrOr(prog[0], "value") != strconv.Itoa(r.Score) || attrOr(prog[0], "max") != strconv.Itoa(r.MaxScore) {
		t.Errorf("row %s: progress %v, want value %d max %d", r.Login, prog, r.Score, r.MaxScore)
	}
	if !strings.Contains(text(tds[0]), m.Score(r.Score, r.MaxScore)) {
		t.Errorf("row %s: score text %q", r.Login, text(tds[0]))
	}
	// Last scanned: relative text, absolute in the title.
	if r.LastScanned.IsZero() {
		if !strings.Contains(text(tds[1]), m.NeverScanned) {
			t.Errorf("row %s: never scanned not said", r.Login)
		}
	} else {
		tm := all(tds[1], tag("time"))
		if len(tm) != 1 || text(tm[0]) != m.Ago(r.LastScanned, sampleNow) || attrOr(tm[0], "title") != absTime(r.LastScanned) ||
			attrOr(tm[0], "datetime") != r.LastScanned.Format(time.RFC3339) {
			t.Errorf("row %s: last scanned %v", r.Login, tm)
		}
	}
	// The student's rescan button.
	btn := all(tds[1], tag("button"))
	if len(btn) != 1 || attrOr(btn[0], "hx-post") != r.Login+"/rescan" || attrOr(btn[0], "title") == "" {
		t.Errorf("row %s: rescan button %v", r.Login, btn)
	}
	// One cell per check: a link to the student's page at the check, the
	// status as a word (not colour alone), the status as a class.
	for i, c := range r.Cells {
		td := tds[2+i]
		if !hasClass(td, string(c.Status)) {
			t.Errorf("row %s, %s: class %q lacks %q", r.Login, c.CheckID, attrOr(td, "class"), c.Status)
		}
		links := all(td, tag("a"))
		if len(links) != 1 {
			t.Fatalf("row %s, %s: %d links", r.Login, c.CheckID, len(links))
		}
		if href := attrOr(links[0], "href"); href != r.Login+"#"+c.CheckID {
			t.Errorf("row %s, %s: href %q", r.Login, c.CheckID, href)
		}
		if got, want := visibleWords(links[0]), m.StatusWord(c.Status); got != want || got == "" {
			t.Errorf("row %s, %s: cell text %q, want the status word %q", r.Login, c.CheckID, got, want)
		}
		if c.Error != (attrOr(links[0], "title") == m.ErrorFlagged(c.Status)) || c.Error != hasClass(td, "err") {
			t.Errorf("row %s, %s: error flag not shown as it should (error=%v)", r.Login, c.CheckID, c.Error)
		}
	}
}

// checkSummary asserts the summary row: the id and event name, and for
// each check the number of students who passed it, counted here afresh.
func checkSummary(t *testing.T, g *Grid, tr *html.Node) {
	t.Helper()
	if attrOr(tr, "id") != "summary" || attrOr(tr, "sse-swap") != "summary" || attrOr(tr, "hx-swap") != "outerHTML" {
		t.Errorf("summary row: id=%q sse-swap=%q", attrOr(tr, "id"), attrOr(tr, "sse-swap"))
	}
	tds := children(tr, "td")
	if len(tds) != len(g.Columns) {
		t.Fatalf("summary has %d cells, want %d", len(tds), len(g.Columns))
	}
	for i, col := range g.Columns {
		want := 0
		for _, r := range g.Rows {
			for _, c := range r.Cells {
				if c.CheckID == col.ID && (c.Status == grader.StatusPass || c.Status == grader.StatusWarn) {
					want++
				}
			}
		}
		if got := text(tds[i]); got != strconv.Itoa(want) {
			t.Errorf("summary %s: %s passing, want %d", col.ID, got, want)
		}
		if !strings.HasPrefix(attrOr(tds[i], "title"), col.ID+": ") {
			t.Errorf("summary %s: title %q", col.ID, attrOr(tds[i], "title"))
		}
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	cols := []Column{{ID: "a.x", Area: "a"}, {ID: "a.y", Area: "a"}, {ID: "b.z", Area: "b"}}
	rows := []Row{
		{Cells: []Cell{{CheckID: "a.x", Status: grader.StatusPass}, {CheckID: "a.y", Status: grader.StatusWarn}, {CheckID: "b.z", Status: grader.StatusFail}}},
		{Cells: []Cell{{CheckID: "a.x", Status: grader.StatusPass}, {CheckID: "a.y", Status: grader.StatusBlocked}, {CheckID: "b.z", Status: grader.StatusError}}},
		{Cells: []Cell{{CheckID: "b.z", Status: grader.StatusPass}, {CheckID: "a.x", Status: grader.StatusPending}}}, // order and gaps do not matter
	}
	got := Summarize(cols, rows)
	if want := (Summary{Students: 3, Passing: []int{2, 1, 1}}); !reflect.DeepEqual(got, want) {
		t.Fatalf("Summarize = %+v, want %+v", got, want)
	}
	// The rendered row shows the same numbers, "all" when everyone passed.
	ctx := GridContext{Lang: i18n.JA, Now: sampleNow, Class: "c"}
	nodes := parseRow(t, render(t, GridSummary(ctx, cols, Summary{Students: 2, Passing: []int{2, 1, 0}})))
	tds := children(nodes[0], "td")
	if len(tds) != 3 || text(tds[0]) != "2" || !hasClass(tds[0], "all") || text(tds[1]) != "1" || text(tds[2]) != "0" || !hasClass(tds[2], "none") {
		t.Fatalf("summary cells: %q %q %q", text(tds[0]), text(tds[1]), text(tds[2]))
	}
	if !hasClass(tds[2], "g") || hasClass(tds[1], "g") {
		t.Errorf("the first column of an area should carry the divider class g")
	}
}

func TestGridRowAlone(t *testing.T) {
	t.Parallel()
	g := sampleGrid(i18n.EN, 12, false)
	ctx := g.Context()
	ctx.Fresh = true
	for _, r := range g.Rows {
		out := render(t, GridRow(ctx, r))
		nodes := parseRow(t, out)
		if len(nodes) != 1 || nodes[0].Data != "tr" {
			t.Fatalf("GridRow renders %d top nodes, want one <tr>", len(nodes))
		}
		checkRow(t, i18n.For(i18n.EN), r, nodes[0])
		if !hasClass(nodes[0], "fresh") {
			t.Errorf("a row sent live should be marked fresh")
		}
		if r.StuckFor > 0 != hasClass(nodes[0], "stuck") {
			t.Errorf("row %s: stuck class", r.Login)
		}
		if len(out) > 4096 {
			t.Errorf("row %s is %d bytes, want < 4 KB on the wire", r.Login, len(out))
		}
	}
}

func TestGridSortAndFilter(t *testing.T) {
	t.Parallel()
	g := sampleGrid(i18n.JA, 5, false)
	g.Query = GridQuery{Sort: SortStuck, StuckMinutes: 10, Failing: "aurora.replica", InError: true, Search: "山田 太"}
	doc := parseDoc(t, render(t, GridPage(g)))

	sort := all(doc, func(n *html.Node) bool { return n.Data == "nav" && hasClass(n, "sort") })[0]
	links := all(sort, tag("a"))
	if len(links) != 3 {
		t.Fatalf("%d sort links, want 3", len(links))
	}
	for _, a := range links {
		u, err := url.Parse(attrOr(a, "href"))
		if err != nil || u.Path != "/classes/"+sampleClass {
			t.Fatalf("sort link %q", attrOr(a, "href"))
		}
		q := ParseGridQuery(u.Query())
		if q.StuckMinutes != 10 || q.Failing != "aurora.replica" || !q.InError || q.Search != "山田 太" {
			t.Errorf("sort link %q drops the filter", attrOr(a, "href"))
		}
		if _, cur := attr(a, "aria-current"); cur != (q.SortKey() == SortStuck) {
			t.Errorf("sort link %q: aria-current=%v", attrOr(a, "href"), cur)
		}
	}

	form := all(doc, func(n *html.Node) bool { return n.Data == "form" && hasClass(n, "filter") })[0]
	if attrOr(form, "method") != "get" || attrOr(form, "action") != "/classes/"+sampleClass {
		t.Errorf("filter form: method %q action %q", attrOr(form, "method"), attrOr(form, "action"))
	}
	values := map[string]string{}
	for _, in := range all(form, tag("input")) {
		switch attrOr(in, "type") {
		case "checkbox":
			if _, ok := attr(in, "checked"); ok {
				values[attrOr(in, "name")] = attrOr(in, "value")
			}
		default:
			values[attrOr(in, "name")] = attrOr(in, "value")
		}
	}
	for _, opt := range all(form, tag("option")) {
		if _, ok := attr(opt, "selected"); ok {
			values[ParamFailing] = attrOr(opt, "value")
		}
	}
	want := map[string]string{ParamSort: SortStuck, ParamStuck: "10", ParamFailing: "aurora.replica", ParamError: "1", ParamSearch: "山田 太"}
	if !reflect.DeepEqual(values, want) {
		t.Errorf("filter form values %v, want %v", values, want)
	}
	search := all(form, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "name") == ParamSearch })
	if len(search) != 1 || attrOr(search[0], "type") != "search" || attrOr(search[0], "placeholder") != i18n.For(i18n.JA).SearchHint {
		t.Errorf("want one search box in the filter form, got %d", len(search))
	}
	// The check headers' links and the live stream keep the search.
	for _, a := range all(doc, func(n *html.Node) bool { return n.Data == "a" && strings.Contains(attrOr(n, "href"), ParamFailing+"=") }) {
		u, _ := url.Parse(attrOr(a, "href"))
		if ParseGridQuery(u.Query()).Search != "山田 太" {
			t.Errorf("link %q drops the search", attrOr(a, "href"))
		}
	}
	conn := all(doc, func(n *html.Node) bool { _, ok := attr(n, "sse-connect"); return ok })
	if len(conn) != 1 || attrOr(conn[0], "sse-connect") != ClassEventsURL(sampleClass)+"?q=%E5%B1%B1%E7%94%B0+%E5%A4%AA" {
		t.Errorf("sse-connect %q does not keep the search", attrOr(conn[0], "sse-connect"))
	}
	if opts := all(form, tag("option")); len(opts) != len(g.Columns)+1 {
		t.Errorf("%d options, want any + one per check", len(opts))
	}

	// An empty filtered grid says so.
	g.Rows = nil
	if out := render(t, GridPage(g)); !strings.Contains(out, i18n.For(i18n.JA).NoStudentsMatch) {
		t.Errorf("an empty grid should say no student matches")
	}
}

func TestGridQueryMatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		search, login, name string
		want                bool
	}{
		{"", "user01", "", true},
		{"user0", "user01", "", true},
		{"USER01", "user01", "", true},
		{"ｕｓｅｒ０１", "user01", "", true}, // full-width, as a Japanese keyboard types it
		{"山田太郎", "user01", "山田 太郎", true},
		{"太郎", "user01", "山田 太郎", true},
		{"smith", "user02", `Smith, "Jo"`, true},
		{"user02", "user01", "山田 太郎", false},
		{"鈴木", "user01", "山田 太郎", false},
	} {
		if got := (GridQuery{Search: tc.search}).Matches(tc.login, tc.name); got != tc.want {
			t.Errorf("search %q on %q %q = %v, want %v", tc.search, tc.login, tc.name, got, tc.want)
		}
	}
}

func TestParseGridQuery(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want GridQuery
	}{
		{"", GridQuery{}},
		{"sort=progress&stuck=15&failing=alb.exists&error=1", GridQuery{Sort: SortProgress, StuckMinutes: 15, Failing: "alb.exists", InError: true}},
		{"sort=evil&stuck=-3&error=0", GridQuery{}},
		{"stuck=abc&error=on", GridQuery{InError: true}},
		{"stuck=99999", GridQuery{}},
		{"lab=step-3&sort=stuck", GridQuery{Sort: SortStuck, Lab: "step-3"}},
		{"q=+user01+", GridQuery{Search: "user01"}},
		{"q=%20%20", GridQuery{}},
		{"q=" + strings.Repeat("x", 101), GridQuery{}},
		{"q=%ff", GridQuery{}},
	} {
		v, _ := url.ParseQuery(tc.in)
		got := ParseGridQuery(v)
		if got != tc.want {
			t.Errorf("ParseGridQuery(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		// Values round-trips.
		if back := ParseGridQuery(got.Values()); back != got {
			t.Errorf("Values of %+v reads back as %+v", got, back)
		}
	}
}

func TestRescanForms(t *testing.T) {
	t.Parallel()
	g := sampleGrid(i18n.JA, 2, false)
	doc := parseDoc(t, render(t, GridPage(g)))
	forms := all(doc, func(n *html.Node) bool { return n.Data == "form" && strings.HasSuffix(attrOr(n, "hx-post"), "/rescan") })
	if len(forms) != 1 || attrOr(forms[0], "hx-post") != "/classes/"+sampleClass+"/rescan" ||
		attrOr(forms[0], "action") != "/classes/"+sampleClass+"/rescan" || attrOr(forms[0], "method") != "post" {
		t.Fatalf("class rescan form: %v", forms)
	}
	// The student's rescan, relative to <base>, is /classes/{name}/students/{login}/rescan.
	base, _ := url.Parse("http://x" + attrOr(all(doc, tag("base"))[0], "href"))
	btn := all(byID(doc, "student-1000"), tag("button"))[0]
	ref, _ := url.Parse(attrOr(btn, "hx-post"))
	if got := base.ResolveReference(ref).Path; got != StudentRescanURL(sampleClass, "user01") || got != "/classes/"+sampleClass+"/students/user01/rescan" {
		t.Errorf("student rescan resolves to %q", got)
	}

	d := sampleDetail(i18n.EN, g.Rows[0])
	ddoc := parseDoc(t, render(t, StudentDetail(d)))
	forms = all(ddoc, func(n *html.Node) bool { return n.Data == "form" && attrOr(n, "hx-post") != "" })
	if len(forms) != 1 || attrOr(forms[0], "hx-post") != "/classes/"+sampleClass+"/students/user01/rescan" {
		t.Fatalf("student rescan form on the detail page: %v", forms)
	}
}

// --- the student's pages ---

func TestStudentDetail(t *testing.T) {
	t.Parallel()
	g := sampleGrid(i18n.EN, 10, false)
	row := g.Rows[4]
	d := sampleDetail(i18n.EN, row)
	m := i18n.For(i18n.EN)
	doc := parseDoc(t, render(t, StudentDetail(d)))

	for _, c := range d.Checks {
		art := byID(doc, c.ID)
		if art == nil || art.Data != "article" {
			t.Fatalf("no article for %s (the grid's cells link to #%s)", c.ID, c.ID)
		}
		body := text(art)
		if !strings.Contains(body, m.StatusName(c.Status)) || !strings.Contains(body, c.Title.EN) || !strings.Contains(body, c.Message.EN) {
			t.Errorf("%s: %q lacks status, title or message", c.ID, body)
		}
		if !c.Status.Passed() && c.Hint.EN != "" && !strings.Contains(body, c.Hint.EN) {
			t.Errorf("%s: hint missing", c.ID)
		}
		items := all(art, tag("li"))
		if len(items) != len(c.Evidence) {
			t.Errorf("%s: %d evidence items, want %d", c.ID, len(items), len(c.Evidence))
		}
	}
	tl := all(doc, func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "timeline") })
	if len(tl) != 1 || len(children(all(tl[0], tag("tbody"))[0], "tr")) != len(d.Timeline) {
		t.Fatalf("timeline should have one row per change")
	}
	for _, info := range []string{row.Login + "@example.com", "111122223333"} {
		if !strings.Contains(text(doc), info) {
			t.Errorf("the instructor's page should show %q", info)
		}
	}
	// The checks are grouped under the lab's area titles.
	var areas []string
	for _, h := range all(doc, func(n *html.Node) bool { return n.Data == "h3" && hasClass(n, "areahead") }) {
		areas = append(areas, text(h))
	}
	if want := []string{"Network", "Aurora", "Web servers", "Load balancer", "Access control"}; !reflect.DeepEqual(areas, want) {
		t.Errorf("area headings %q, want %q", areas, want)
	}
	// It reloads its content when the student's row changes.
	detail := byID(doc, "detail")
	if detail == nil || attrOr(detail, "hx-trigger") != "sse:student-"+strconv.FormatInt(row.ID, 10) || attrOr(detail, "hx-select") != "#detail" {
		t.Errorf("detail should refresh on its student's event")
	}
}

func TestSelfCheckPage(t *testing.T) {
	t.Parallel()
	g := sampleGrid(i18n.JA, 10, false)
	me := g.Rows[3]
	s := sampleSelf(i18n.JA, me)
	m := i18n.For(i18n.JA)
	out := render(t, SelfCheckPage(s))
	doc := parseDoc(t, out)

	// The heading names the student and the labs, in either language.
	if h1 := all(doc, tag("h1")); len(h1) != 1 || text(h1[0]) != me.DisplayName+" さんの Step-3 チェックリスト" {
		t.Errorf("h1 %v, want the student's name and the labs' short title", h1)
	}
	enDoc := parseDoc(t, render(t, SelfCheckPage(sampleSelf(i18n.EN, me))))
	if h1 := all(enDoc, tag("h1")); len(h1) != 1 || text(h1[0]) != "Step 3 checklist of "+me.DisplayName {
		t.Errorf("en h1 %v, want the labs' short title and the student's name", h1)
	}
	conn := all(doc, func(n *html.Node) bool { _, ok := attr(n, "sse-connect"); return ok })
	if len(conn) != 1 || attrOr(conn[0], "sse-connect") != "/s/"+s.Token+"/events" {
		t.Fatalf("the page should listen to /s/{token}/events only")
	}
	body := byID(doc, "checklist")
	if body == nil || attrOr(body, "sse-swap") != ChecklistEvent || attrOr(body, "hx-swap") != "outerHTML" {
		t.Fatalf("the checklist should be swapped by the %q event", ChecklistEvent)
	}
	items := all(body, func(n *html.Node) bool { return n.Data == "li" && hasClass(n, "item") })
	if len(items) != len(s.Checks) {
		t.Fatalf("%d items, want %d", len(items), len(s.Checks))
	}
	for i, c := range s.Checks {
		li := items[i]
		if attrOr(li, "id") != c.ID || !hasClass(li, string(c.Status)) {
			t.Errorf("item %d is %q, want %s in handout order", i, attrOr(li, "id"), c.ID)
		}
		txt := text(li)
		if !strings.Contains(txt, m.StatusName(c.Status)) {
			t.Errorf("%s: status word missing", c.ID)
		}
		if !c.Status.Passed() {
			if !strings.Contains(txt, c.Message.JA) || !strings.Contains(txt, c.Hint.JA) {
				t.Errorf("%s: a failing check shows what was found and what to do", c.ID)
			}
		}
	}
	// Only this student: no other student's login or name, and none of
	// what only the instructor sees.
	for _, other := range g.Rows {
		if other.ID == me.ID {
			continue
		}
		if strings.Contains(out, other.Login) || strings.Contains(out, "student-"+strconv.FormatInt(other.ID, 10)) {
			t.Errorf("the self-check page mentions %s", other.Login)
		}
	}
	for _, secret := range []string{me.Login + "@example.com", "111122223333", "arn:aws:", "/classes/"} {
		if strings.Contains(out, secret) {
			t.Errorf("the self-check page shows %q, which only the instructor sees", secret)
		}
	}
	if !strings.Contains(out, me.DisplayName) || !strings.Contains(out, m.Remaining(len(s.Checks)-Passed(s.Checks))) {
		t.Errorf("the page should name the student and count what is left")
	}
}

func TestCheckNowButton(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang     i18n.Lang
		c        CheckNow
		disabled bool
		texts    []string
	}{
		{i18n.JA, CheckNow{Every: 15 * time.Second}, false, []string{"今すぐチェック", "15 秒に 1 回"}},
		{i18n.EN, CheckNow{Every: 15 * time.Second}, false, []string{"Check now", "once every 15 s"}},
		{i18n.JA, CheckNow{Every: 15 * time.Second, Wait: 11200 * time.Millisecond, Queued: true}, true, []string{"あと 12 秒", "15 秒に 1 回", i18n.For(i18n.JA).CheckQueued}},
		{i18n.EN, CheckNow{Every: 30 * time.Second, Wait: 3 * time.Second}, true, []string{"3 s left", "once every 30 s"}},
	} {
		out := render(t, CheckNowButton(tc.lang, "tok/../x", tc.c))
		doc := parseDoc(t, out)
		form := all(doc, tag("form"))[0]
		if attrOr(form, "hx-post") != "/s/tok%2F..%2Fx/check" || attrOr(form, "action") != "/s/tok%2F..%2Fx/check" || attrOr(form, "id") != "check-now" {
			t.Errorf("form posts to %q (the token must be one escaped segment)", attrOr(form, "hx-post"))
		}
		btn := all(form, tag("button"))[0]
		_, disabled := attr(btn, "disabled")
		if disabled != tc.disabled {
			t.Errorf("%+v: disabled=%v", tc.c, disabled)
		}
		if tc.disabled && attrOr(btn, "data-wait") != strconv.Itoa(tc.c.WaitSeconds()) {
			t.Errorf("%+v: data-wait %q", tc.c, attrOr(btn, "data-wait"))
		}
		visible := visibleText(form)
		for _, want := range tc.texts {
			if !strings.Contains(visible, want) {
				t.Errorf("%s %+v: %q lacks %q", tc.lang, tc.c, visible, want)
			}
		}
	}
}

// visibleText is the text of n without what is hidden.
func visibleText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if _, hidden := attr(n, "hidden"); hidden {
				return
			}
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// --- every page ---

// pages renders every page of the package in lang, with sample data.
func pages(lang i18n.Lang) map[string]templ.Component {
	g := sampleGrid(lang, 8, false)
	if lang == i18n.EN {
		// Names in Latin letters, so that any Japanese left on an English
		// page is the interface's.
		for i := range g.Rows {
			g.Rows[i].DisplayName = "Student " + g.Rows[i].Login
		}
	}
	wait := sampleSelf(lang, g.Rows[1])
	wait.CheckNow.Wait, wait.CheckNow.Queued = 9*time.Second, true
	labs := sampleLabsGrid(g)
	return map[string]templ.Component{
		"grid-labs":    GridPage(labs),
		"row-labs":     GridRow(labs.Context(), labs.Rows[0]),
		"costs-none":   GridCosts(labs.Context(), &Costs{}),
		"grid":         GridPage(g),
		"row":          GridRow(g.Context(), g.Rows[0]),
		"summary":      GridSummary(g.Context(), g.Columns, g.Summary),
		"detail":       StudentDetail(sampleDetail(lang, g.Rows[2])),
		"self":         SelfCheckPage(sampleSelf(lang, g.Rows[3])),
		"self-wait":    SelfCheckPage(wait),
		"login":        LoginPage(&Login{Page: Page{Lang: lang, URL: "/login?next=%2Fclasses%2Fx"}, Next: "/classes/x"}),
		"login-bad":    LoginPage(&Login{Page: Page{Lang: lang, URL: "/login"}, Error: LoginWrongPassword}),
		"login-429":    LoginPage(&Login{Page: Page{Lang: lang, URL: "/login"}, Error: LoginTooManyAttempts, RetryAfter: 30 * time.Second}),
		"404":          ErrorPage(&ErrorView{Page: Page{Lang: lang, URL: "/s/nope"}, Code: 404}),
		"500":          ErrorPage(&ErrorView{Page: Page{Lang: lang, URL: "/classes/x", SignedIn: true}, Code: 500}),
		"403":          ErrorPage(&ErrorView{Page: Page{Lang: lang, URL: "/"}, Code: 403}),
		"report":       ReportView(sampleReport(lang, g.Rows)),
		"report-empty": ReportView(&ReportPage{Page: Page{Lang: lang, URL: "/classes/x/report", SignedIn: true}, Class: "x", NoResults: true}),
	}
}

// sampleLabsGrid is g as a class of two labs, the first reporting costs
// (two students have something left), asked for a lab it has not.
func sampleLabsGrid(g *Grid) *Grid {
	out := *g
	extra := grader.Text{JA: "片付け", EN: "Cleanup"}
	out.Columns = append([]Column(nil), g.Columns...)
	for i := range out.Columns[:5] {
		out.Columns[i].Lab, out.Columns[i].LabTitle = "extra", extra
	}
	rest := out.Columns[5]
	out.Labs = []grader.LabInfo{
		{ID: "extra", Title: extra, Short: extra, MaxScore: 20, First: 0, End: 5},
		{ID: rest.Lab, Title: rest.LabTitle, Short: rest.LabTitle, MaxScore: 95, First: 5, End: len(out.Columns)},
	}
	out.Rows = append([]Row(nil), g.Rows...)
	for i := range out.Rows {
		out.Rows[i].Labs = []LabScore{{ID: "extra", Title: extra, Score: 10, MaxScore: 20}, {ID: rest.Lab, Title: rest.LabTitle, Score: 5, MaxScore: 95}}
	}
	out.Rows[0].Leftovers, out.Rows[0].CostPerHour = true, 0.4213
	out.Rows[1].Leftovers = true
	out.Costs = &Costs{PerHour: 0.4213, Students: []Leftover{
		{Login: out.Rows[0].Login, DisplayName: out.Rows[0].DisplayName, CostPerHour: 0.4213},
		{Login: out.Rows[1].Login, DisplayName: out.Rows[1].DisplayName},
	}}
	out.UnknownLab = "nope"
	return &out
}

// The end-of-day summary and the rows say what is left, at what
// estimated cost: a dollar figure, or that nothing bills by the hour.
func TestGridCosts(t *testing.T) {
	t.Parallel()
	g := sampleLabsGrid(sampleGrid(i18n.EN, 3, false))
	page := render(t, GridPage(g))
	for _, want := range []string{
		"Class estimate: about $0.421 per hour", "2 students have something left (costliest first)",
		`<span class="cost">≈ $0.421/h</span>`, `<span class="cost">left (no hourly charge)</span>`,
		`title="What is left is estimated at about $0.421 per hour"`, `<span title="Cleanup: 10 / 20 pts">10/20</span>`,
		"This class has no lab “nope”: every lab is shown.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the grid lacks %s", want)
		}
	}
	if strings.Index(page, `id="costs"`) > strings.Index(page, `<table class="grid">`) {
		t.Error("the costs summary does not lead the grid")
	}
	if got := render(t, GridCosts(g.Context(), nil)); !strings.Contains(got, `id="costs"`) || !strings.Contains(got, "hidden") || strings.Contains(got, "Still billing") {
		t.Errorf("no costs: %s, want an empty placeholder the live stream can fill", got)
	}
	for v, want := range map[float64]string{0.0252: "$0.025", 1.5: "$1.50", 12.345: "$12.35", 0: "$0.000"} {
		if got := costText(v); got != want {
			t.Errorf("costText(%v) = %q, want %q", v, got, want)
		}
	}
}

// The current lab of a student is the first with a required check not
// passed (an advisory one does not hold it back), else the last.
func TestLabChecklists(t *testing.T) {
	t.Parallel()
	check := func(lab string, required bool, st grader.Status, pts int) CheckResult {
		c := CheckResult{ID: lab + "." + string(st), Lab: lab, Required: required, Status: st, MaxPoints: pts}
		if st.Passed() {
			c.Points = pts
		}
		return c
	}
	current := func(checks ...CheckResult) string {
		var out []string
		for _, l := range LabChecklists(checks) {
			if l.Current {
				out = append(out, l.ID)
			}
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name   string
		checks []CheckResult
		want   string
	}{
		{"first unfinished", []CheckResult{check("a", true, grader.StatusFail, 5), check("b", true, grader.StatusFail, 5)}, "a"},
		{"advisory does not count", []CheckResult{check("a", true, grader.StatusWarn, 5), check("a", false, grader.StatusFail, 0), check("b", true, grader.StatusPending, 5)}, "b"},
		{"all done: the last", []CheckResult{check("a", true, grader.StatusPass, 5), check("b", true, grader.StatusPass, 5)}, "b"},
		{"one lab", []CheckResult{check("a", true, grader.StatusPass, 5)}, "a"},
		{"none", nil, ""},
	} {
		if got := current(tc.checks...); got != tc.want {
			t.Errorf("%s: current %q, want %q", tc.name, got, tc.want)
		}
	}
	labs := LabChecklists([]CheckResult{check("a", true, grader.StatusPass, 5), check("a", true, grader.StatusFail, 3), check("b", true, grader.StatusPass, 2)})
	if len(labs) != 2 || labs[0].Score != 5 || labs[0].MaxScore != 8 || len(labs[0].Checks) != 2 || labs[1].Score != 2 {
		t.Errorf("labs %+v", labs)
	}
}

// TestStrictCSP: no inline script or style anywhere, only /static files.
func TestStrictCSP(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		for name, c := range pages(lang) {
			out := render(t, c)
			doc := parseDoc(t, out)
			all(doc, func(n *html.Node) bool {
				for _, a := range n.Attr {
					if a.Key == "style" || strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "hx-on") {
						t.Errorf("%s/%s: <%s %s=%q>: inline handler or style", lang, name, n.Data, a.Key, a.Val)
					}
					if strings.Contains(strings.ToLower(a.Val), "javascript:") {
						t.Errorf("%s/%s: <%s %s=%q>", lang, name, n.Data, a.Key, a.Val)
					}
				}
				switch n.Data {
				case "style":
					t.Errorf("%s/%s: a <style> element", lang, name)
				case "script":
					src := attrOr(n, "src")
					if !strings.HasPrefix(src, "/static/") || n.FirstChild != nil {
						t.Errorf("%s/%s: <script src=%q> with a body or from elsewhere", lang, name, src)
					}
					if _, ok := attr(n, "defer"); !ok {
						t.Errorf("%s/%s: <script src=%q> without defer", lang, name, src)
					}
				case "link":
					if href := attrOr(n, "href"); !strings.HasPrefix(href, "/static/") {
						t.Errorf("%s/%s: <link href=%q> not from /static", lang, name, href)
					}
				}
				return false
			})
		}
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		doc := parseDoc(t, render(t, GridPage(sampleGrid(lang, 1, false))))
		if h := all(doc, tag("html")); attrOr(h[0], "lang") != string(lang) {
			t.Errorf("html lang %q, want %q", attrOr(h[0], "lang"), lang)
		}
		var srcs []string
		for _, s := range all(doc, tag("script")) {
			srcs = append(srcs, attrOr(s, "src"))
		}
		want := []string{static.Path("vendor/htmx.min.js"), static.Path("vendor/sse.min.js"), static.Path("app.js")}
		if !reflect.DeepEqual(srcs, want) {
			t.Errorf("scripts %q, want %q (htmx before its extension)", srcs, want)
		}
		for _, src := range srcs {
			if !strings.Contains(src, "?v=") {
				t.Errorf("script %q is not versioned", src)
			}
		}
		// The toggle links to this page in the other language.
		nav := all(doc, func(n *html.Node) bool { return n.Data == "nav" && hasClass(n, "langs") })[0]
		links := all(nav, tag("a"))
		other := lang.Other()
		if len(links) != 1 || attrOr(links[0], "href") != "/classes/"+sampleClass+"?lang="+string(other) || attrOr(links[0], "lang") != string(other) {
			t.Errorf("language toggle: %v", links)
		}
		if cur := all(nav, func(n *html.Node) bool { _, ok := attr(n, "aria-current"); return ok }); len(cur) != 1 || text(cur[0]) != i18n.For(lang).LangName {
			t.Errorf("the current language should be marked")
		}
		// An instructor can sign out.
		if f := all(doc, func(n *html.Node) bool { return n.Data == "form" && attrOr(n, "action") == "/logout" }); len(f) != 1 {
			t.Errorf("no sign-out form on an instructor page")
		}
	}
	// The toggle keeps the query and replaces an earlier lang.
	if got := langURL("/classes/x?sort=stuck&lang=ja", i18n.EN); got != "/classes/x?lang=en&sort=stuck" {
		t.Errorf("langURL = %q", got)
	}
	for _, evil := range []string{"//evil.example/x", "https://evil.example/", "javascript:alert(1)", "%zz"} {
		if got := langURL(evil, i18n.EN); got != "/?lang=en" {
			t.Errorf("langURL(%q) = %q, want a local URL", evil, got)
		}
	}
	// A student's page has no sign-out and no link home.
	doc := parseDoc(t, render(t, SelfCheckPage(sampleSelf(i18n.JA, sampleRows(1, sampleColumns(false))[0]))))
	if f := all(doc, func(n *html.Node) bool { return attrOr(n, "action") == "/logout" || attrOr(n, "href") == "/" }); len(f) != 0 {
		t.Errorf("the student's page should not offer instructor links")
	}
}

// TestLanguageSwitchesEveryString: an English page has no Japanese outside
// elements marked lang="ja" (the toggle), and a Japanese page none of the
// English interface strings outside lang="en".
func TestLanguageSwitchesEveryString(t *testing.T) {
	t.Parallel()
	englishUI := englishStrings(sampleDataWords())
	for _, lang := range i18n.Langs {
		for name, c := range pages(lang) {
			out := render(t, c)
			var doc *html.Node
			if name == "row" || name == "summary" {
				doc = &html.Node{Type: html.ElementNode, Data: "tbody", DataAtom: atom.Tbody}
				for _, n := range parseRow(t, out) {
					doc.AppendChild(n)
				}
			} else {
				doc = parseDoc(t, out)
			}
			eachString(doc, string(lang), func(where, s, inLang string) {
				switch {
				case lang == i18n.EN && inLang != "ja" && hasJapanese(s):
					t.Errorf("en/%s: Japanese in %s: %q", name, where, s)
				case lang == i18n.JA && inLang != "en":
					for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
						if englishUI[w] {
							t.Errorf("ja/%s: English %q in %s: %q", name, w, where, s)
						}
					}
				}
			})
		}
	}
}

// eachString calls fn with every text and human-read attribute under n,
// with the language in force there.
func eachString(n *html.Node, lang string, fn func(where, s, lang string)) {
	if n.Type == html.ElementNode {
		if l, ok := attr(n, "lang"); ok {
			lang = l
		}
		for _, a := range n.Attr {
			switch a.Key {
			case "title", "aria-label", "placeholder", "label":
				fn("<"+n.Data+" "+a.Key+">", a.Val, lang)
			}
		}
	}
	if n.Type == html.TextNode {
		fn("text", n.Data, lang)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		eachString(c, lang, fn)
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) || (r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x3000 && r <= 0x303F) {
			return true
		}
	}
	return false
}

// englishStrings is the English interface strings worth looking for in a
// Japanese page: the words of at least 4 letters that neither the Japanese
// catalog nor the sample data (resource names, ids) also use.
func englishStrings(data map[string]bool) map[string]bool {
	en, ja := i18n.For(i18n.EN), i18n.For(i18n.JA)
	jaAll := strings.Join(stringsOf(reflect.ValueOf(*ja)), "\n")
	out := map[string]bool{}
	for _, s := range stringsOf(reflect.ValueOf(*en)) {
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len(w) < 4 || strings.Contains(jaAll, w) || data[strings.ToLower(w)] || w == "English" {
				continue
			}
			out[w] = true
		}
	}
	if len(out) < 50 {
		panic(fmt.Sprintf("only %d English words to look for", len(out)))
	}
	return out
}

// sampleDataWords is every word of the Japanese sample data, lower-cased.
func sampleDataWords() map[string]bool {
	g := sampleGrid(i18n.JA, 8, false)
	parts := []string{g.Class, sampleSet(true).Title().JA}
	for _, c := range g.Columns {
		parts = append(parts, c.Short.JA, c.AreaTitle.JA)
	}
	for _, r := range g.Rows {
		parts = append(parts, r.Login, r.Error.JA)
		d := sampleDetail(i18n.JA, r)
		for _, c := range d.Checks {
			parts = append(parts, c.ID, c.Title.JA, c.AreaTitle.JA, c.Message.JA, c.Hint.JA)
			parts = append(parts, c.Evidence...)
		}
		for _, c := range d.Timeline {
			parts = append(parts, c.Message.JA, c.Title.JA)
		}
	}
	words := map[string]bool{}
	for _, p := range parts {
		for _, w := range strings.FieldsFunc(p, func(r rune) bool { return !unicode.IsLetter(r) || r > unicode.MaxASCII }) {
			words[strings.ToLower(w)] = true
		}
	}
	return words
}

// stringsOf is every string in v (fields, map values).
func stringsOf(v reflect.Value) []string {
	switch v.Kind() {
	case reflect.String:
		return []string{v.String()}
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			out = append(out, stringsOf(v.Field(i))...)
		}
		return out
	case reflect.Map:
		var out []string
		for _, k := range v.MapKeys() {
			out = append(out, stringsOf(v.MapIndex(k))...)
		}
		return out
	}
	return nil
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	const evil = `<script>alert(1)</script>`
	const evilAttr = `" onmouseover="alert(1)`
	g := sampleGrid(i18n.JA, 3, false)
	g.Rows[1].DisplayName = evil
	g.Rows[1].Error = grader.Text{JA: evilAttr, EN: evilAttr}
	g.Class = `c<b>&"x y`
	d := sampleDetail(i18n.JA, g.Rows[1])
	d.Class = g.Class
	d.Checks[0].Message = grader.Text{JA: evil, EN: evil}
	d.Checks[0].Evidence = []string{evil}
	s := sampleSelf(i18n.JA, g.Rows[1])
	s.Checks[0].Message = grader.Text{JA: evil, EN: evil}
	s.Page.URL = `/s/x?"><script>alert(1)</script>`
	for name, c := range map[string]templ.Component{
		"grid":   GridPage(g),
		"row":    GridRow(g.Context(), g.Rows[1]),
		"detail": StudentDetail(d),
		"self":   SelfCheckPage(s),
		"login":  LoginPage(&Login{Page: Page{Lang: i18n.JA, URL: "/login"}, Next: evilAttr}),
	} {
		out := render(t, c)
		if strings.Contains(out, evil) || strings.Contains(out, evilAttr) || strings.Contains(out, "<b>") {
			t.Errorf("%s: unescaped data in the page", name)
		}
		if name != "login" && !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the escaped display name should be shown", name)
		}
		doc := parseDoc(t, out)
		if n := all(doc, func(n *html.Node) bool { return n.Data == "script" && attrOr(n, "src") == "" }); len(n) != 0 {
			t.Errorf("%s: an injected <script>", name)
		}
		if n := all(doc, func(n *html.Node) bool { _, ok := attr(n, "onmouseover"); return ok }); len(n) != 0 {
			t.Errorf("%s: an injected attribute", name)
		}
	}
	// Names in URLs are path-escaped, one segment each.
	if got := StudentURL(`a b/c`, `u:1?x#y`); got != "/classes/a%20b%2Fc/students/u%3A1%3Fx%23y" {
		t.Errorf("StudentURL = %q", got)
	}
	if got := ClassURL(`c<b>&"x y`, url.Values{"sort": {"a&b"}}); got != "/classes/c%3Cb%3E&%22x%20y?sort=a%26b" {
		t.Errorf("ClassURL = %q", got)
	}
	// A login that looks like a scheme stays a relative path.
	if got := segment("javascript:alert(1)"); strings.Contains(got, ":") {
		t.Errorf("segment keeps a colon: %q", got)
	}
}

func TestLoginAndErrorPages(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		m, o := i18n.For(lang), i18n.For(lang.Other())
		doc := parseDoc(t, render(t, LoginPage(&Login{Page: Page{Lang: lang, URL: "/login"}, Next: "/classes/a", Error: LoginTooManyAttempts, RetryAfter: 42 * time.Second})))
		form := all(doc, tag("form"))
		var login *html.Node
		for _, f := range form {
			if attrOr(f, "action") == "/login" {
				login = f
			}
		}
		if login == nil || attrOr(login, "method") != "post" {
			t.Fatalf("%s: no POST /login form", lang)
		}
		pw := all(login, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "type") == "password" })
		if len(pw) != 1 || attrOr(pw[0], "name") != "password" || attrOr(pw[0], "autocomplete") != "current-password" {
			t.Errorf("%s: password field %v", lang, pw)
		}
		next := all(login, func(n *html.Node) bool { return attrOr(n, "name") == "next" })
		if len(next) != 1 || attrOr(next[0], "value") != "/classes/a" {
			t.Errorf("%s: next field", lang)
		}
		alert := all(doc, func(n *html.Node) bool { return attrOr(n, "role") == "alert" })
		if len(alert) != 1 || text(alert[0]) != m.TooManyAttempts(42*time.Second) {
			t.Errorf("%s: rate limit message %v", lang, alert)
		}

		for code, titles := range map[int][2]string{
			404: {m.NotFoundTitle, o.NotFoundTitle},
			500: {m.ServerErrorTitle, o.ServerErrorTitle},
			418: {m.ErrorTitle(418), o.ErrorTitle(418)},
		} {
			doc := parseDoc(t, render(t, ErrorPage(&ErrorView{Page: Page{Lang: lang, URL: "/x"}, Code: code})))
			h1, h2 := all(doc, tag("h1")), all(doc, tag("h2"))
			if len(h1) != 1 || text(h1[0]) != titles[0] || len(h2) != 1 || text(h2[0]) != titles[1] {
				t.Errorf("%s %d: headings %v %v, want %q then %q", lang, code, h1, h2, titles[0], titles[1])
			}
		}
	}
}

func TestStatusIconsInCSS(t *testing.T) {
	t.Parallel()
	// Every status has an icon in app.css, for the cells and the badges:
	// with the word, never colour alone.
	f, err := static.FS().Open("app.css")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	css := b.String()
	for _, s := range legendStatuses {
		for _, sel := range []string{fmt.Sprintf(".grid td.%s > a::before", s), fmt.Sprintf(".%s.badge::before", s)} {
			if !strings.Contains(css, sel) {
				t.Errorf("app.css has no icon rule %s", sel)
			}
		}
	}
}

// --- the list of classes ---

func sampleClasses(lang i18n.Lang) *Classes {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	return &Classes{
		Page: Page{Lang: lang, URL: "/", Now: now, SignedIn: true},
		Classes: []ClassItem{
			{Name: "2026-11-aws-1day", Students: 24, LastScanned: now.Add(-3 * time.Minute)},
			{Name: "c<b>&\"x y", Students: 2, LastScanned: now.Add(-2 * time.Hour)},
			{Name: "empty.class", Students: 0},
		},
	}
}

func TestClassList(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		m := i18n.For(lang)
		c := sampleClasses(lang)
		out := render(t, ClassList(c))
		if strings.Contains(out, `c<b>`) || !strings.Contains(out, `c&lt;b&gt;&amp;&#34;x y`) {
			t.Errorf("%s: the class name is not escaped:\n%s", lang, out)
		}
		doc := parseDoc(t, out)
		if h1 := all(doc, tag("h1")); len(h1) != 1 || text(h1[0]) != m.ClassesTitle {
			t.Errorf("%s: h1 %v, want %q", lang, h1, m.ClassesTitle)
		}
		if title := all(doc, tag("title")); len(title) != 1 || !strings.HasPrefix(text(title[0]), m.ClassesTitle+" ") {
			t.Errorf("%s: <title> %q", lang, text(title[0]))
		}
		var heads []string
		for _, th := range all(doc, func(n *html.Node) bool { return n.Data == "th" && attrOr(n, "scope") == "col" }) {
			heads = append(heads, text(th))
		}
		rp := i18n.ReportFor(lang)
		if want := []string{m.ClassName, m.StudentsHeader, m.LastScanned, rp.Link}; !reflect.DeepEqual(heads, want) {
			t.Errorf("%s: headers %q, want %q", lang, heads, want)
		}
		tbody := all(doc, tag("tbody"))
		if len(tbody) != 1 {
			t.Fatalf("%s: %d tbody", lang, len(tbody))
		}
		rows := children(tbody[0], "tr")
		if len(rows) != len(c.Classes) {
			t.Fatalf("%s: %d rows, want %d", lang, len(rows), len(c.Classes))
		}
		for i, cl := range c.Classes {
			tr := rows[i]
			links := all(tr, tag("a"))
			if len(links) != 2 || text(links[0]) != cl.Name || attrOr(links[0], "href") != ClassURL(cl.Name, nil) {
				t.Errorf("%s: row %d link %v, want %q to %q", lang, i, links, cl.Name, ClassURL(cl.Name, nil))
			}
			// Each class links its report, named with the class.
			if len(links) == 2 && (text(links[1]) != rp.Title(cl.Name) || attrOr(links[1], "href") != ReportURL(cl.Name)) {
				t.Errorf("%s: row %d: report link %q to %q", lang, i, text(links[1]), attrOr(links[1], "href"))
			}
			tds := children(tr, "td")
			if len(tds) != 3 || text(tds[0]) != strconv.Itoa(cl.Students) {
				t.Errorf("%s: row %d: students cell", lang, i)
				continue
			}
			times := all(tds[1], tag("time"))
			if cl.LastScanned.IsZero() {
				if len(times) != 0 || text(tds[1]) != m.NeverScanned {
					t.Errorf("%s: row %d: last scan %q, want %q", lang, i, text(tds[1]), m.NeverScanned)
				}
				continue
			}
			if len(times) != 1 || text(times[0]) != m.Ago(cl.LastScanned, c.Now) ||
				attrOr(times[0], "datetime") != cl.LastScanned.Format(time.RFC3339) {
				t.Errorf("%s: row %d: last scan %v", lang, i, times)
			}
		}
		// The escaped name links to one path segment.
		if got := attrOr(all(rows[1], tag("a"))[0], "href"); got != "/classes/c%3Cb%3E&%22x%20y" {
			t.Errorf("%s: href %q", lang, got)
		}
		if n := all(doc, func(n *html.Node) bool { return n.Data == "form" && attrOr(n, "action") == "/logout" }); len(n) != 1 {
			t.Errorf("%s: no sign-out form", lang)
		}
	}
	if !strings.Contains(render(t, ClassList(sampleClasses(i18n.JA))), "3 クラス") {
		t.Errorf("ja: no count of classes")
	}
}

func TestClassListEmpty(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		m := i18n.For(lang)
		c := &Classes{Page: Page{Lang: lang, URL: "/", Now: time.Now(), SignedIn: true}}
		doc := parseDoc(t, render(t, ClassList(c)))
		if n := all(doc, tag("table")); len(n) != 0 {
			t.Errorf("%s: a table with no class", lang)
		}
		var codes []string
		for _, n := range all(doc, tag("code")) {
			codes = append(codes, text(n))
		}
		if want := []string{m.CmdClassCreate, m.CmdRosterImport}; !reflect.DeepEqual(codes, want) {
			t.Errorf("%s: commands %q, want %q", lang, codes, want)
		}
		body := visibleText(doc)
		for _, s := range []string{m.ClassesTitle, m.NoClassesLead, m.NoClassesCreate, m.NoClassesImport, m.NoClassesThen,
			"labgrid class create", "labgrid roster import --class"} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the empty state lacks %q", lang, s)
			}
		}
	}
}

// TestClassListLanguageAndCSP runs the checks of every page on the list of
// classes, full and empty: one language only, no inline script or style.
func TestClassListLanguageAndCSP(t *testing.T) {
	t.Parallel()
	englishUI := englishStrings(sampleDataWords())
	for _, lang := range i18n.Langs {
		full := sampleClasses(lang)
		empty := &Classes{Page: full.Page}
		for name, c := range map[string]*Classes{"classes": full, "classes-empty": empty} {
			out := render(t, ClassList(c))
			doc := parseDoc(t, out)
			eachString(doc, string(lang), func(where, s, inLang string) {
				switch {
				case lang == i18n.EN && inLang != "ja" && hasJapanese(s):
					t.Errorf("en/%s: Japanese in %s: %q", name, where, s)
				case lang == i18n.JA && inLang != "en":
					for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
						if englishUI[w] {
							t.Errorf("ja/%s: English %q in %s: %q", name, w, where, s)
						}
					}
				}
			})
			all(doc, func(n *html.Node) bool {
				for _, a := range n.Attr {
					if a.Key == "style" || strings.HasPrefix(a.Key, "on") || strings.HasPrefix(a.Key, "hx-on") {
						t.Errorf("%s/%s: <%s %s>: inline handler or style", lang, name, n.Data, a.Key)
					}
				}
				if n.Data == "style" || (n.Data == "script" && (n.FirstChild != nil || !strings.HasPrefix(attrOr(n, "src"), "/static/"))) {
					t.Errorf("%s/%s: inline <%s>", lang, name, n.Data)
				}
				return false
			})
		}
	}
}

// TestAreaDividers: a divider (class g) and a new area header begin where
// the area changes, an area of another lab included, never inside an area.
func TestAreaDividers(t *testing.T) {
	t.Parallel()
	cells := []Cell{
		{CheckID: "x1", Lab: "one", Area: "a", Status: grader.StatusPass},
		{CheckID: "x2", Lab: "one", Area: "a", Status: grader.StatusPass},
		{CheckID: "x3", Lab: "one", Area: "b", Status: grader.StatusFail},
		{CheckID: "y1", Lab: "two", Area: "b", Status: grader.StatusFail},
	}
	ctx := GridContext{Lang: i18n.EN, Now: sampleNow, Class: "c"}
	tds := children(parseRow(t, render(t, GridRow(ctx, Row{ID: 1, Login: "u", Cells: cells})))[0], "td")[2:]
	if len(tds) != len(cells) {
		t.Fatalf("%d cells, want %d", len(tds), len(cells))
	}
	for i, want := range []bool{false, false, true, true} {
		if hasClass(tds[i], "g") != want {
			t.Errorf("cell %d: divider %v, want %v", i, !want, want)
		}
	}
	cols := []Column{
		{ID: "x1", Lab: "one", Area: "a", AreaTitle: grader.Text{JA: "甲", EN: "A"}},
		{ID: "x2", Lab: "one", Area: "a", AreaTitle: grader.Text{JA: "甲", EN: "A"}},
		{ID: "x3", Lab: "one", Area: "b", AreaTitle: grader.Text{JA: "乙", EN: "B"}},
		{ID: "y1", Lab: "two", Area: "b"}, // no title: the area's id
	}
	var got []string
	for _, g := range areaGroups(cols) {
		got = append(got, fmt.Sprintf("%s/%d/%d", g.Title.EN, g.First, g.Span))
	}
	if want := []string{"A/0/2", "B/2/1", "b/3/1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("area groups %q, want %q", got, want)
	}
}

// The grid's cells are written by gridCells, not by templ: a login or a
// check id with markup or quotes stays text and stays inside its
// attribute, for a judged cell and one the grader could not look at.
func TestGridCellsEscape(t *testing.T) {
	t.Parallel()
	g := sampleGrid(i18n.EN, 1, false)
	r := g.Rows[0]
	r.Login = `u"><script>x</script>`
	r.Cells = []Cell{
		{CheckID: `a"b<i>`, Status: grader.StatusPass},
		{CheckID: `c'd&e`, Status: grader.StatusFail, Error: true},
	}
	out := render(t, GridRow(g.Context(), r))
	if strings.Contains(out, "<script>") || strings.Contains(out, "<i>") {
		t.Fatalf("markup in a cell's login or check id was rendered:\n%s", out)
	}
	doc := parseDoc(t, out)
	var hrefs []string
	for _, a := range all(doc, tag("a")) {
		if h := attrOr(a, "href"); strings.Contains(h, "#") {
			hrefs = append(hrefs, h)
		}
	}
	want := []string{segment(r.Login) + `#a"b<i>`, segment(r.Login) + `#c'd&e`}
	if strings.Join(hrefs, "|") != strings.Join(want, "|") {
		t.Errorf("cell links %q, want %q (the attribute's text, unescaped by the parser)", hrefs, want)
	}
}

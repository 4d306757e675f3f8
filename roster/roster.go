// Package roster reads class rosters: CSV files of students, as instructors
// save them from Excel, checked row by row so that every problem is reported
// at once with its line and column.
package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"labgrid/grader"
)

// Roster columns. login and account_id are required; the rest are optional.
const (
	colLogin       = "login"
	colAccountID   = "account_id"
	colDisplayName = "display_name"
	colRoleARN     = "role_arn"
	colExternalID  = "external_id"
	colRegion      = "region"
	colEmail       = "email"
	colSISID       = "sis_id"
	colSection     = "section"
)

// columns lists every column a roster may have, in the order used in
// messages.
var columns = []string{
	colLogin, colAccountID, colDisplayName, colRoleARN, colExternalID,
	colRegion, colEmail, colSISID, colSection,
}

var requiredColumns = []string{colLogin, colAccountID}

// maxBytes bounds how much of a roster is read: a class roster is a few
// kilobytes, and the whole file is held in memory to detect its encoding.
const maxBytes = 16 << 20

// DefaultMaxClassSize is how many students a class may have unless the
// instructor sets another limit: every scan of a target saves all of its
// students in one transaction, and the grid shows them all on one page.
const DefaultMaxClassSize = 5000

var (
	loginRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	regionRE     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	sciNumberRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]*)?[eE][+-]?[0-9]+$`)
	roleNameRE   = regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]{1,64}$`)
	utf8BOM      = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM   = []byte{0xFF, 0xFE}
	utf16BEBOM   = []byte{0xFE, 0xFF}
	columnsHint  = strings.Join(columns, ", ")
	externalHint = "letters, digits and the characters _ + = , . @ : / -"
)

// Problem is one thing wrong with a roster file. Line is the physical
// line of the file (the header is normally line 1); Column is the column the
// problem is in, empty when it concerns a whole row or the whole file.
type Problem struct {
	Line    int
	Column  string
	Message string
}

// String formats the problem as "line 12, account_id: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d", p.Line)
	}
	if p.Column != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Column)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error holds every problem found in a roster. Parse reports
// all of them, not only the first, so a roster can be fixed in one go.
type Error struct {
	Problems []Problem
}

// Error lists the problems one per line.
func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return "invalid roster"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ReadFile reads and parses the roster at path. Errors are wrapped as
// "roster PATH: ...", so a *Error is still reachable with errors.As.
func ReadFile(path string) ([]grader.Student, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w", path, err)
	}
	defer f.Close()
	students, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("roster %s: %w", path, err)
	}
	return students, nil
}

// Parse reads a roster CSV: a header row naming the columns (in any
// order, case-insensitive: login and account_id required; display_name,
// role_arn, external_id, region, email, sis_id and section optional), then
// one row per student. The file may be UTF-8 (with or without a byte-order
// mark) or Shift_JIS/CP932 as Japanese Excel saves it, with CRLF or LF line
// ends. Blank rows (including rows of only commas) are skipped and every
// field is trimmed of surrounding white space.
//
// Every problem found is reported in one *Error, each with its line
// and column; when there is any problem no student is returned. On success
// grader.Student.Dedicated is set for students whose account no other row uses.
func Parse(r io.Reader) ([]grader.Student, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading roster: %w", err)
	}
	if len(raw) > maxBytes {
		return nil, fmt.Errorf("roster is larger than %d MiB; a class roster should be a few kilobytes", maxBytes>>20)
	}
	text, problems := decode(raw)
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	p := &parser{}
	students := p.parse(text)
	if len(p.problems) > 0 {
		sort.SliceStable(p.problems, func(i, j int) bool { return p.problems[i].Line < p.problems[j].Line })
		return nil, &Error{Problems: p.problems}
	}
	perAccount := make(map[string]int, len(students))
	for _, s := range students {
		perAccount[s.AccountID]++
	}
	for i := range students {
		students[i].Dedicated = perAccount[students[i].AccountID] == 1
	}
	return students, nil
}

// decode turns the file's bytes into UTF-8 text: a UTF-8 byte-order
// mark is dropped, and bytes that are not valid UTF-8 are decoded as
// Shift_JIS (CP932). Text that is neither is reported, line by line.
func decode(b []byte) (string, []Problem) {
	const resave = `expected UTF-8 or Shift_JIS text (save the file again from Excel as "CSV UTF-8 (comma delimited)")`
	if bytes.HasPrefix(b, utf16LEBOM) || bytes.HasPrefix(b, utf16BEBOM) {
		return "", []Problem{{Line: 1, Message: "the file is UTF-16 (Excel's \"Unicode Text\"); " + resave}}
	}
	if rest, ok := bytes.CutPrefix(b, utf8BOM); ok {
		if !utf8.Valid(rest) {
			return "", []Problem{{
				Line:    lineOfInvalidUTF8(rest),
				Message: "the file starts with a UTF-8 byte-order mark but this line is not valid UTF-8; " + resave,
			}}
		}
		return string(rest), nil
	}
	if utf8.Valid(b) {
		return string(b), nil
	}
	decoded, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		return "", []Problem{{Line: 1, Message: fmt.Sprintf("the file is neither UTF-8 nor Shift_JIS (%v); %s", err, resave)}}
	}
	var problems []Problem
	for i, line := range strings.Split(string(decoded), "\n") {
		if strings.ContainsRune(line, utf8.RuneError) {
			problems = append(problems, Problem{
				Line:    i + 1,
				Message: "this line is neither valid UTF-8 nor valid Shift_JIS (the encoding Japanese Excel uses for CSV); " + resave,
			})
		}
	}
	return string(decoded), problems
}

// lineOfInvalidUTF8 is the 1-based line holding the first invalid UTF-8
// sequence of b.
func lineOfInvalidUTF8(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			break
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}

type parser struct {
	problems []Problem
	// accounts holds the first row of each account, whose role the
	// account's other rows must repeat.
	accounts map[string]accountRow
}

// accountRow is where an account's credentials were first given.
type accountRow struct {
	line       int
	roleARN    string
	externalID string
}

func (p *parser) add(line int, column, format string, args ...any) {
	p.problems = append(p.problems, Problem{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

// parse reads the CSV text and returns the students of the valid rows;
// problems are collected in p.problems.
func (p *parser) parse(text string) []grader.Student {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1 // the count is checked here, to report it per row
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false

	header, err := cr.Read()
	for err == nil && blankRecord(header) {
		header, err = cr.Read()
	}
	if errors.Is(err, io.EOF) {
		p.add(1, "", "the file is empty; expected a header row naming at least %s and %s", colLogin, colAccountID)
		return nil
	}
	if err != nil {
		p.csvError(err)
		return nil
	}
	headerLine, _ := cr.FieldPos(0)
	index := p.parseHeader(header, cr)

	var (
		students   []grader.Student
		rows       int
		firstLogin = map[string]int{} // lower-cased login -> line of its first row
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A malformed record: report it and go on with the next line,
			// which the reader has already moved to.
			rows++
			p.csvError(err)
			continue
		}
		if blankRecord(rec) {
			continue
		}
		rows++
		rowLine, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			p.add(rowLine, "", "the row has %d fields but the header has %d columns; expected one field per header column (look for a stray or missing comma)", len(rec), len(header))
			continue
		}
		if s, ok := p.parseRow(rec, index, cr, rowLine, firstLogin); ok {
			students = append(students, s)
		}
	}
	if rows == 0 {
		p.add(headerLine, "", "no students: the roster has a header row but no student rows; expected one row per student")
	}
	return students
}

// csvError reports a record the csv package could not parse.
func (p *parser) csvError(err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := fmt.Sprintf("malformed CSV: %v", pe.Err)
		if pe.Line != pe.StartLine {
			msg += fmt.Sprintf(" (the record starting on this line runs to line %d)", pe.Line)
		}
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			msg += `; expected a field containing quotes or commas to be wrapped in double quotes, with inner quotes doubled ("")`
		}
		p.add(pe.StartLine, "", "%s", msg)
		return
	}
	p.add(0, "", "malformed CSV: %v", err)
}

// parseHeader maps each known column name to its field index, reporting
// unknown, duplicate and missing columns.
func (p *parser) parseHeader(header []string, cr *csv.Reader) map[string]int {
	index := make(map[string]int, len(header))
	known := make(map[string]bool, len(columns))
	for _, c := range columns {
		known[c] = true
	}
	headerLine, _ := cr.FieldPos(0)
	for i, raw := range header {
		line, _ := cr.FieldPos(i)
		written := strings.TrimSpace(raw)
		name := strings.ToLower(written)
		switch {
		case name == "":
			p.add(line, "", "unknown column: header column %d has no name; expected one of %s", i+1, columnsHint)
		case !known[name]:
			msg := fmt.Sprintf("unknown column %s; expected only %s", quoteShort(written), columnsHint)
			if guess := guessColumn(name); guess != "" {
				msg = fmt.Sprintf("unknown column %s (did you mean %q?); expected only %s", quoteShort(written), guess, columnsHint)
			}
			p.add(line, written, "%s", msg)
		default:
			if first, dup := index[name]; dup {
				p.add(line, name, "duplicate column: %q is header column %d and again column %d; expected each column once", name, first+1, i+1)
				continue
			}
			index[name] = i
		}
	}
	for _, c := range requiredColumns {
		if _, ok := index[c]; !ok {
			p.add(headerLine, c, "missing required column %q; expected a header naming at least %s and %s", c, colLogin, colAccountID)
		}
	}
	return index
}

// guessColumn suggests the known column a misspelt header name probably
// meant ("Account ID" -> account_id), or "".
func guessColumn(name string) string {
	norm := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '\u3000':
			return '_'
		}
		return r
	}, name)
	for _, c := range columns {
		if norm == c || strings.ReplaceAll(norm, "_", "") == strings.ReplaceAll(c, "_", "") {
			return c
		}
	}
	return ""
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// parseRow validates one row and reports whether it was free of problems.
// firstLogin maps the lower-cased logins seen so far to their lines.
func (p *parser) parseRow(rec []string, index map[string]int, cr *csv.Reader, rowLine int, firstLogin map[string]int) (grader.Student, bool) {
	before := len(p.problems)
	get := func(column string) (string, int) {
		i, ok := index[column]
		if !ok {
			return "", rowLine
		}
		line, _ := cr.FieldPos(i)
		return strings.TrimSpace(rec[i]), line
	}
	check := func(column string, line int, msg string) {
		if msg != "" {
			p.add(line, column, "%s", msg)
		}
	}

	var s grader.Student
	var line int

	s.Login, line = get(colLogin)
	if _, ok := index[colLogin]; ok {
		msg := loginProblem(s.Login)
		check(colLogin, line, msg)
		if msg == "" {
			key := strings.ToLower(s.Login)
			if first, dup := firstLogin[key]; dup {
				p.add(line, colLogin, "login %s is already used on line %d (logins are compared ignoring case); expected each student once", quoteShort(s.Login), first)
			} else {
				firstLogin[key] = line
			}
		}
	}

	s.AccountID, line = get(colAccountID)
	accountOK := false
	if _, ok := index[colAccountID]; ok {
		msg := accountIDProblem(s.AccountID)
		accountOK = msg == ""
		check(colAccountID, line, msg)
	}

	var arnLine, extLine int
	credentialsOK := accountOK
	s.RoleARN, arnLine = get(colRoleARN)
	if s.RoleARN != "" {
		arnAccount, msg := roleARNProblem(s.RoleARN)
		check(colRoleARN, arnLine, msg)
		credentialsOK = credentialsOK && msg == "" && arnAccount == s.AccountID
		if msg == "" && accountOK && arnAccount != s.AccountID {
			p.add(arnLine, colRoleARN, "role_arn is in account %s but account_id is %s; expected the role to be in the student's account", arnAccount, s.AccountID)
		}
	}

	s.ExternalID, extLine = get(colExternalID)
	if s.ExternalID != "" {
		if s.RoleARN == "" {
			credentialsOK = false
			p.add(extLine, colExternalID, "external_id is set but role_arn is empty; expected an external id only together with a role_arn (add the role_arn or clear the external_id)")
		}
		msg := externalIDProblem(s.ExternalID)
		check(colExternalID, extLine, msg)
		credentialsOK = credentialsOK && msg == ""
	}
	if credentialsOK {
		p.checkAccountRole(s, rowLine, arnLine, extLine)
	}

	s.Region, line = get(colRegion)
	if s.Region != "" {
		check(colRegion, line, regionProblem(s.Region))
	}

	s.Email, line = get(colEmail)
	if s.Email != "" {
		msg := textProblem(colEmail, s.Email)
		if msg == "" {
			msg = emailProblem(s.Email)
		}
		check(colEmail, line, msg)
	}

	for _, f := range []struct {
		column string
		dst    *string
	}{
		{colDisplayName, &s.DisplayName},
		{colSISID, &s.SISID},
		{colSection, &s.Section},
	} {
		*f.dst, line = get(f.column)
		check(f.column, line, textProblem(f.column, *f.dst))
	}

	return s, len(p.problems) == before
}

// checkAccountRole reports a row whose role or external id differs from
// those of its account's first row. The students of one account are
// scanned together with one set of credentials, so rows that disagree
// would silently split the account into targets of their own. Regions may
// differ: a region is a target of its own anyway.
func (p *parser) checkAccountRole(s grader.Student, rowLine, arnLine, extLine int) {
	if p.accounts == nil {
		p.accounts = map[string]accountRow{}
	}
	first, seen := p.accounts[s.AccountID]
	if !seen {
		p.accounts[s.AccountID] = accountRow{line: rowLine, roleARN: s.RoleARN, externalID: s.ExternalID}
		return
	}
	const want = "expected every row of an account to give the same role_arn and external_id, or none (a class may still use several accounts)"
	switch {
	case s.RoleARN == first.roleARN && s.ExternalID == first.externalID:
	case s.RoleARN == first.roleARN:
		// The external id is a secret: it is never quoted.
		p.add(extLine, colExternalID, "external_id differs from line %d's for the same account %s and role; %s", first.line, s.AccountID, want)
	case first.roleARN == "":
		p.add(arnLine, colRoleARN, "role_arn is %s but line %d gives account %s no role; %s", quoteShort(s.RoleARN), first.line, s.AccountID, want)
	case s.RoleARN == "":
		p.add(arnLine, colRoleARN, "role_arn is empty but line %d gives account %s the role %s; %s", first.line, s.AccountID, quoteShort(first.roleARN), want)
	default:
		p.add(arnLine, colRoleARN, "role_arn is %s but line %d gives account %s the role %s; %s", quoteShort(s.RoleARN), first.line, s.AccountID, quoteShort(first.roleARN), want)
	}
}

// quoteShort quotes a value for a message, cutting very long ones.
func quoteShort(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q… (%d characters)", string(r[:max]), len(r))
}

func loginProblem(s string) string {
	const want = "expected 1 to 64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit (e.g. user05)"
	if s == "" {
		return "login is empty; " + want
	}
	if n := utf8.RuneCountInString(s); n > 64 {
		return fmt.Sprintf("login %s is %d characters long; %s", quoteShort(s), n, want)
	}
	if loginRE.MatchString(s) {
		return ""
	}
	for i, r := range s {
		ok := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || (i > 0 && (r == '.' || r == '_' || r == '-')))
		if !ok {
			if i == 0 && (r == '.' || r == '_' || r == '-') {
				return fmt.Sprintf("login %s starts with %q; %s", quoteShort(s), r, want)
			}
			return fmt.Sprintf("login %s contains %s; %s", quoteShort(s), describeRune(r), want)
		}
	}
	return fmt.Sprintf("login %s is not valid; %s", quoteShort(s), want)
}

// describeRune names a character for a message.
func describeRune(r rune) string {
	switch {
	case r == ' ' || r == '\u3000':
		return "a space"
	case unicode.IsControl(r):
		return fmt.Sprintf("a control character (%U)", r)
	case unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("an invisible formatting character (%U)", r)
	case r >= 0xFF01 && r <= 0xFF5E:
		return fmt.Sprintf("the full-width character %q", r)
	default:
		return fmt.Sprintf("%q", r)
	}
}

func accountIDProblem(s string) string {
	const want = "expected exactly 12 digits 0-9, e.g. 012345678901"
	if s == "" {
		return "account_id is empty; expected the student's 12-digit AWS account id"
	}
	if allASCIIDigits(s) {
		switch n := len(s); {
		case n == 12:
			return ""
		case n < 12:
			return fmt.Sprintf("account_id %s has only %d digits; %s (a spreadsheet may have dropped leading zeros: format the column as text and re-enter it)", quoteShort(s), n, want)
		default:
			return fmt.Sprintf("account_id %s has %d digits; %s", quoteShort(s), n, want)
		}
	}
	if sciNumberRE.MatchString(s) {
		return fmt.Sprintf("account_id %s is in scientific notation, as Excel shows long numbers, and its digits are lost; %s (format the column as text and re-enter the ids)", quoteShort(s), want)
	}
	for _, r := range s {
		if unicode.IsDigit(r) && r >= utf8.RuneSelf {
			return fmt.Sprintf("account_id %s contains full-width or other non-ASCII digits; %s, typed as half-width digits", quoteShort(s), want)
		}
	}
	if stripped := strings.NewReplacer("-", "", " ", "").Replace(s); allASCIIDigits(stripped) && len(stripped) == 12 {
		return fmt.Sprintf("account_id %s contains separators; %s, with no hyphens or spaces", quoteShort(s), want)
	}
	return fmt.Sprintf("account_id %s is not a 12-digit number; %s", quoteShort(s), want)
}

func allASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// roleARNProblem checks arn:<partition>:iam::<account>:role/<path/name> and
// returns the ARN's account.
func roleARNProblem(s string) (account, msg string) {
	const want = "expected arn:aws:iam::123456789012:role/NAME (partition aws, aws-cn or aws-us-gov)"
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", fmt.Sprintf("role_arn %s is not an ARN; %s", quoteShort(s), want)
	}
	partition, service, region, account, resource := parts[1], parts[2], parts[3], parts[4], parts[5]
	switch partition {
	case "aws", "aws-cn", "aws-us-gov":
	default:
		return "", fmt.Sprintf("role_arn %s has partition %s; %s", quoteShort(s), quoteShort(partition), want)
	}
	if service != "iam" {
		return "", fmt.Sprintf("role_arn %s is for service %s, not iam; %s", quoteShort(s), quoteShort(service), want)
	}
	if region != "" {
		return "", fmt.Sprintf("role_arn %s has region %s, but IAM ARNs have none; %s", quoteShort(s), quoteShort(region), want)
	}
	if !allASCIIDigits(account) || len(account) != 12 {
		return "", fmt.Sprintf("role_arn %s has account %s, not 12 digits; %s", quoteShort(s), quoteShort(account), want)
	}
	rest, ok := strings.CutPrefix(resource, "role/")
	if !ok {
		return "", fmt.Sprintf("role_arn %s does not name a role (its resource is %s); %s", quoteShort(s), quoteShort(resource), want)
	}
	segments := strings.Split(rest, "/")
	name := segments[len(segments)-1]
	for _, seg := range segments[:len(segments)-1] {
		if seg == "" || strings.IndexFunc(seg, func(r rune) bool { return r < 0x21 || r > 0x7E }) >= 0 {
			return "", fmt.Sprintf("role_arn %s has an invalid role path; %s", quoteShort(s), want)
		}
	}
	if !roleNameRE.MatchString(name) {
		return "", fmt.Sprintf("role_arn %s has an invalid role name %s; expected 1 to 64 letters, digits and _ + = , . @ -", quoteShort(s), quoteShort(name))
	}
	return account, ""
}

// externalIDProblem checks the external id against AWS's rule. The value is
// a secret: messages describe it but never quote it.
func externalIDProblem(s string) string {
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 1224 {
		return fmt.Sprintf("external_id is %d characters long; expected 2 to 1224 %s", n, externalHint)
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("_+=,.@:/-", r):
		case unicode.IsSpace(r):
			return "external_id contains white space; expected only " + externalHint
		case r >= utf8.RuneSelf:
			return "external_id contains a non-ASCII character; expected only " + externalHint
		default:
			return "external_id contains a character that is not allowed; expected only " + externalHint
		}
	}
	return ""
}

func regionProblem(s string) string {
	if regionRE.MatchString(s) {
		return ""
	}
	if regionRE.MatchString(strings.ToLower(s)) {
		return fmt.Sprintf("region %s must be lower case; expected a region code like ap-northeast-1", quoteShort(s))
	}
	return fmt.Sprintf("region %s is not a region code; expected a code like ap-northeast-1 (or leave it empty for the rubric's region)", quoteShort(s))
}

func emailProblem(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return fmt.Sprintf("email %s is not a valid address (%v); expected e.g. taro@example.com", quoteShort(s), err)
	}
	if a.Name != "" || a.Address != s {
		return fmt.Sprintf("email %s is not a bare address; expected only the address, e.g. taro@example.com, without a name or angle brackets", quoteShort(s))
	}
	return ""
}

// textProblem rejects line breaks and control and format characters
// (Unicode Cc and Cf) in free-text columns, by grader.CheckText as the
// store checks help messages and announcements: they are shown on web
// pages and in terminals, and the invisible ones (bidirectional
// overrides, zero-width characters) can disguise a name or leave it
// blank. Roster fields take the strictest options, as before: one line,
// and no zero-width joiner even between emoji.
func textProblem(column, s string) string {
	var te *grader.TextError
	if !errors.As(grader.CheckText(s, grader.TextOptions{}), &te) {
		return ""
	}
	if te.Fault == grader.TextLineBreak {
		return fmt.Sprintf("%s contains a line break; expected a single line of text", column)
	}
	return fmt.Sprintf("%s contains %s; expected plain text without control or invisible formatting characters", column, describeRune(te.Rune))
}

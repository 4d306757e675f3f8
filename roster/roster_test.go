package roster

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"labgrid/grader"
)

const bom = "\ufeff"

// goodRoster has every column, in an unusual order with odd spacing and
// case in the header, a UTF-8 BOM, CRLF line ends, a blank line, a row of
// only commas and a quoted field with a comma.
const goodRoster = bom +
	"section, EMAIL ,account_id,Login,display_name,role_arn,external_id,region,sis_id\r\n" +
	"A,taro@example.com,111111111111,user01,\"Yamada, Taro\",arn:aws:iam::111111111111:role/labgrid/LabGridReadOnly,Ext-Id_01:ok,ap-northeast-1,S001\r\n" +
	"\r\n" +
	"A, ,222222222222,  user02 ,Suzuki Hanako,,,,S002\r\n" +
	",,,,,,,,\r\n" +
	"B,,222222222222,User.03_x-y,Sato Jiro,,,us-east-1,S003\r\n"

var goodRosterStudents = []grader.Student{
	{Login: "user01", DisplayName: "Yamada, Taro", AccountID: "111111111111",
		RoleARN:    "arn:aws:iam::111111111111:role/labgrid/LabGridReadOnly",
		ExternalID: "Ext-Id_01:ok", Region: "ap-northeast-1", Email: "taro@example.com",
		SISID: "S001", Section: "A", Dedicated: true},
	{Login: "user02", DisplayName: "Suzuki Hanako", AccountID: "222222222222", SISID: "S002", Section: "A"},
	{Login: "User.03_x-y", DisplayName: "Sato Jiro", AccountID: "222222222222", Region: "us-east-1", SISID: "S003", Section: "B"},
}

// mustShiftJIS encodes s as Shift_JIS, as Japanese Excel saves a CSV. It
// panics on text Shift_JIS cannot hold and on results that happen to be
// valid UTF-8 (they would not exercise the fallback): both are broken test
// data.
func mustShiftJIS(s string) string {
	b, err := japanese.ShiftJIS.NewEncoder().String(s)
	if err != nil {
		panic("encoding test data to Shift_JIS: " + err.Error())
	}
	if utf8.ValidString(b) {
		panic("Shift_JIS test data is valid UTF-8: " + s)
	}
	return b
}

func TestParseGood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []grader.Student
	}{
		{name: "all columns reordered, BOM, CRLF", in: goodRoster, want: goodRosterStudents},
		{name: "LF without BOM", in: strings.ReplaceAll(strings.TrimPrefix(goodRoster, bom), "\r\n", "\n"), want: goodRosterStudents},
		{name: "no final newline", in: strings.TrimSuffix(goodRoster, "\r\n"), want: goodRosterStudents},
		{
			name: "required columns only, blank lines around",
			in:   "\n\n  LOGIN\t,  Account_Id \nuser05,012345678901\n\n\n",
			want: []grader.Student{{Login: "user05", AccountID: "012345678901", Dedicated: true}},
		},
		{
			name: "other partitions, role path, 64-char login, 1224-char external id",
			in: "login,account_id,role_arn,external_id\n" +
				strings.Repeat("a", 64) + ",111111111111,\"arn:aws-cn:iam::111111111111:role/a/b/R+=,.@-_\"," + strings.Repeat("x", 1224) + "\n" +
				"u2,222222222222,arn:aws-us-gov:iam::222222222222:role/r,ab\n",
			want: []grader.Student{
				{Login: strings.Repeat("a", 64), AccountID: "111111111111", RoleARN: "arn:aws-cn:iam::111111111111:role/a/b/R+=,.@-_", ExternalID: strings.Repeat("x", 1224), Dedicated: true},
				{Login: "u2", AccountID: "222222222222", RoleARN: "arn:aws-us-gov:iam::222222222222:role/r", ExternalID: "ab", Dedicated: true},
			},
		},
		{
			name: "full-width and no-break spaces trimmed",
			in:   "login,account_id,display_name\n\u3000user1\u3000,111111111111,\u00a0Taro\u3000\n",
			want: []grader.Student{{Login: "user1", AccountID: "111111111111", DisplayName: "Taro", Dedicated: true}},
		},
		{
			name: "Shift_JIS with Japanese names, CRLF",
			in: mustShiftJIS("login,display_name,account_id,section\r\n" +
				"user01,山田 太郎,111111111111,ソフト表\r\n" + // ソ and 表 have 0x5C as second byte
				"user02,鈴木 花子,222222222222,２組\r\n"),
			want: []grader.Student{
				{Login: "user01", DisplayName: "山田 太郎", AccountID: "111111111111", Section: "ソフト表", Dedicated: true},
				{Login: "user02", DisplayName: "鈴木 花子", AccountID: "222222222222", Section: "２組", Dedicated: true},
			},
		},
		{
			// CP932 extensions Excel writes: NEC row 13 (① = 87 40) and
			// IBM extension (髙 = FB FC).
			name: "CP932 extension characters",
			in:   "login,account_id,display_name\r\nuser01,111111111111,\xfb\xfc\x8b\xb4 \x87\x40\r\n",
			want: []grader.Student{{Login: "user01", AccountID: "111111111111", DisplayName: "髙橋 ①", Dedicated: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("Parse: unexpected error:\n%v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

// A problem expected in a bad roster: its line, column and a fragment of
// its message.
type wantProblem struct {
	line    int
	column  string
	message string
}

type badRosterCase struct {
	name string
	in   string
	want []wantProblem
}

const hdr = "login,account_id,role_arn,external_id,region,email,display_name\n"

var badRosterCases = []badRosterCase{
	// The file and its header.
	{name: "empty file", in: "", want: []wantProblem{{1, "", "the file is empty"}}},
	{name: "only blank lines", in: "\r\n\r\n", want: []wantProblem{{1, "", "the file is empty"}}},
	{name: "header only", in: "login,account_id\n", want: []wantProblem{{1, "", "no students"}}},
	{name: "header only after BOM with blank rows", in: bom + "login,account_id\r\n\r\n,\r\n", want: []wantProblem{{1, "", "no students"}}},
	{name: "unknown column", in: "login,account_id,Phone\nu1,111111111111,123\n", want: []wantProblem{{1, "Phone", `unknown column "Phone"`}}},
	{name: "unknown column with suggestion", in: "login,Account ID\nu1,111111111111\n", want: []wantProblem{
		{1, "Account ID", `unknown column "Account ID" (did you mean "account_id"?)`},
		{1, "account_id", `missing required column "account_id"`},
	}},
	{name: "column without a name", in: "login,account_id,\nu1,111111111111,\n", want: []wantProblem{{1, "", "unknown column: header column 3 has no name"}}},
	{name: "duplicate column", in: "login,account_id, LOGIN\nu1,111111111111,u1\n", want: []wantProblem{{1, "login", "duplicate column"}}},
	{name: "missing login column", in: "account_id,display_name\n111111111111,x\n", want: []wantProblem{{1, "login", `missing required column "login"`}}},
	{name: "missing account_id column", in: "login\nu1\n", want: []wantProblem{{1, "account_id", `missing required column "account_id"`}}},

	// Row shape.
	{name: "too few fields", in: "login,account_id,region\nu1,111111111111,ap-northeast-1\nu2,222222222222\n", want: []wantProblem{{3, "", "the row has 2 fields but the header has 3 columns"}}},
	{name: "too many fields", in: "login,account_id\nu1,111111111111,extra\n", want: []wantProblem{{2, "", "the row has 3 fields but the header has 2 columns"}}},
	{name: "bare quote then a bad row", in: "login,account_id\nu\"1,111111111111\nu2,1\n", want: []wantProblem{
		{2, "", "malformed CSV"},
		{3, "account_id", "has only 1 digits"},
	}},
	{name: "unterminated quote", in: "login,account_id\nu1,111111111111\n\"u2,222222222222\nu3,333333333333\n", want: []wantProblem{{3, "", "malformed CSV"}}},
	{name: "lines counted through a multi-line field", in: "login,display_name,account_id\nu1,\"a\nb\nc\",111111111111\nu2,x,22\n", want: []wantProblem{
		{2, "display_name", "contains a line break"},
		{5, "account_id", "has only 2 digits"},
	}},
	{name: "line of a field on a later line of its record", in: "login,display_name,account_id\nu1,\"a\r\nb\",1234\n", want: []wantProblem{
		{2, "display_name", "contains a line break"},
		{3, "account_id", "has only 4 digits"},
	}},

	// login.
	{name: "login empty", in: hdr + " ,111111111111,,,,,\n", want: []wantProblem{{2, "login", "login is empty"}}},
	{name: "login too long", in: hdr + strings.Repeat("a", 65) + ",111111111111,,,,,\n", want: []wantProblem{{2, "login", "is 65 characters long"}}},
	{name: "login with a space", in: hdr + "user 05,111111111111,,,,,\n", want: []wantProblem{{2, "login", `login "user 05" contains a space`}}},
	{name: "login starting with a dot", in: hdr + ".user,111111111111,,,,,\n", want: []wantProblem{{2, "login", `starts with '.'`}}},
	{name: "login starting with a hyphen", in: hdr + "-user,111111111111,,,,,\n", want: []wantProblem{{2, "login", `starts with '-'`}}},
	{name: "login full-width", in: hdr + "ｕｓｅｒ01,111111111111,,,,,\n", want: []wantProblem{{2, "login", "full-width character"}}},
	{name: "login with @", in: hdr + "taro@example.com,111111111111,,,,,\n", want: []wantProblem{{2, "login", "contains '@'"}}},
	{name: "login duplicate ignoring case", in: hdr + "user05,111111111111,,,,,\nuser06,111111111111,,,,,\n USER05 ,222222222222,,,,,\n", want: []wantProblem{{4, "login", `login "USER05" is already used on line 2`}}},
	{name: "login three times", in: "login,account_id\nu1,111111111111\nU1,111111111111\nu1,111111111111\n", want: []wantProblem{
		{3, "login", "already used on line 2"},
		{4, "login", "already used on line 2"},
	}},

	// account_id.
	{name: "account empty", in: hdr + "u1,,,,,,\n", want: []wantProblem{{2, "account_id", "account_id is empty"}}},
	{name: "account Excel scientific", in: hdr + "u1,1.23457E+11,,,,,\n", want: []wantProblem{{2, "account_id", `account_id "1.23457E+11" is in scientific notation`}}},
	{name: "account Excel scientific lower case", in: hdr + "u1,1.23457e11,,,,,\n", want: []wantProblem{{2, "account_id", "scientific notation"}}},
	{name: "account 11 digits", in: hdr + "u1,12345678901,,,,,\n", want: []wantProblem{{2, "account_id", `account_id "12345678901" has only 11 digits`}}},
	{name: "account 13 digits", in: hdr + "u1,1234567890123,,,,,\n", want: []wantProblem{{2, "account_id", "has 13 digits"}}},
	{name: "account with hyphens", in: hdr + "u1,1234-5678-9012,,,,,\n", want: []wantProblem{{2, "account_id", "contains separators"}}},
	{name: "account full-width", in: hdr + "u1,１２３４５６７８９０１２,,,,,\n", want: []wantProblem{{2, "account_id", "full-width"}}},
	{name: "account with decimals", in: hdr + "u1,123456789012.0,,,,,\n", want: []wantProblem{{2, "account_id", "is not a 12-digit number"}}},

	// role_arn.
	{name: "role_arn not an ARN", in: hdr + "u1,111111111111,LabGridRole,,,,\n", want: []wantProblem{{2, "role_arn", "is not an ARN"}}},
	{name: "role_arn partition", in: hdr + "u1,111111111111,arn:aws-eu:iam::111111111111:role/r,,,,\n", want: []wantProblem{{2, "role_arn", `has partition "aws-eu"`}}},
	{name: "role_arn service", in: hdr + "u1,111111111111,arn:aws:sts::111111111111:role/r,,,,\n", want: []wantProblem{{2, "role_arn", `is for service "sts"`}}},
	{name: "role_arn region", in: hdr + "u1,111111111111,arn:aws:iam:ap-northeast-1:111111111111:role/r,,,,\n", want: []wantProblem{{2, "role_arn", "IAM ARNs have none"}}},
	{name: "role_arn account", in: hdr + "u1,111111111111,arn:aws:iam::11111111111:role/r,,,,\n", want: []wantProblem{{2, "role_arn", `has account "11111111111", not 12 digits`}}},
	{name: "role_arn user", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:user/bob,,,,\n", want: []wantProblem{{2, "role_arn", "does not name a role"}}},
	{name: "role_arn no name", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:role/,,,,\n", want: []wantProblem{{2, "role_arn", "invalid role name"}}},
	{name: "role_arn empty path segment", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:role//r,,,,\n", want: []wantProblem{{2, "role_arn", "invalid role path"}}},
	{name: "role_arn other account", in: hdr + "u1,111111111111,arn:aws:iam::222222222222:role/r,,,,\n", want: []wantProblem{{2, "role_arn", "role_arn is in account 222222222222 but account_id is 111111111111"}}},

	// external_id.
	{name: "external_id without role", in: hdr + "u1,111111111111,,abcdef,,,\n", want: []wantProblem{{2, "external_id", "external_id is set but role_arn is empty"}}},
	{name: "external_id too short", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:role/r,a,,,\n", want: []wantProblem{{2, "external_id", "is 1 characters long; expected 2 to 1224"}}},
	{name: "external_id too long", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:role/r," + strings.Repeat("x", 1225) + ",,,\n", want: []wantProblem{{2, "external_id", "is 1225 characters long"}}},
	{name: "external_id with space", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:role/r,ab cd,,,\n", want: []wantProblem{{2, "external_id", "contains white space"}}},
	{name: "external_id with #", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:role/r,ab#cd,,,\n", want: []wantProblem{{2, "external_id", "character that is not allowed"}}},
	{name: "external_id non-ASCII", in: hdr + "u1,111111111111,arn:aws:iam::111111111111:role/r,秘密です,,,\n", want: []wantProblem{{2, "external_id", "non-ASCII"}}},

	// region.
	{name: "region name", in: hdr + "u1,111111111111,,,Tokyo,,\n", want: []wantProblem{{2, "region", `region "Tokyo" is not a region code`}}},
	{name: "region upper case", in: hdr + "u1,111111111111,,,AP-NORTHEAST-1,,\n", want: []wantProblem{{2, "region", "must be lower case"}}},
	{name: "region without number", in: hdr + "u1,111111111111,,,ap-northeast,,\n", want: []wantProblem{{2, "region", "is not a region code"}}},
	{name: "region availability zone", in: hdr + "u1,111111111111,,,ap-northeast-1c,,\n", want: []wantProblem{{2, "region", "is not a region code"}}},

	// email.
	{name: "email invalid", in: hdr + "u1,111111111111,,,,taro.example.com,\n", want: []wantProblem{{2, "email", `email "taro.example.com" is not a valid address`}}},
	{name: "email with name", in: hdr + "u1,111111111111,,,,Taro <taro@example.com>,\n", want: []wantProblem{{2, "email", "is not a bare address"}}},
	{name: "email in angle brackets", in: hdr + "u1,111111111111,,,,<taro@example.com>,\n", want: []wantProblem{{2, "email", "is not a bare address"}}},

	// Free text.
	{name: "control character in display_name", in: hdr + "u1,111111111111,,,,,a\x07b\n", want: []wantProblem{{2, "display_name", "control character"}}},

	// Encodings.
	{name: "UTF-16", in: "\xff\xfel\x00o\x00", want: []wantProblem{{1, "", "UTF-16"}}},
	{name: "BOM but not UTF-8", in: bom + "login,account_id\nu1,111111111111\nu\xe9,222222222222\n", want: []wantProblem{{3, "", "byte-order mark but this line is not valid UTF-8"}}},
	{name: "neither UTF-8 nor Shift_JIS", in: "login,account_id\nu1,111111111111\nu2,222222222222\xff\n", want: []wantProblem{{3, "", "neither valid UTF-8 nor valid Shift_JIS"}}},
	{name: "Shift_JIS row with a bad account", in: mustShiftJIS("login,display_name,account_id\r\nuser01,山田 太郎,1.23457E+11\r\n"), want: []wantProblem{{2, "account_id", "scientific notation"}}},
}

func TestParseBad(t *testing.T) {
	t.Parallel()
	for _, tt := range badRosterCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, tt.in, tt.want)
		})
	}
}

// checkProblems parses in and asserts it fails with exactly the wanted
// problems, in order.
func checkProblems(t *testing.T, in string, want []wantProblem) *Error {
	t.Helper()
	students, err := Parse(strings.NewReader(in))
	if students != nil {
		t.Errorf("Parse returned students %+v with an error; want nil", students)
	}
	var re *Error
	if !errors.As(err, &re) {
		t.Fatalf("Parse error = %v (%T); want *Error", err, err)
	}
	if len(re.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(re.Problems), len(want), err)
	}
	for i, w := range want {
		p := re.Problems[i]
		if p.Line != w.line || p.Column != w.column || !strings.Contains(p.Message, w.message) {
			t.Errorf("problem %d = {line %d, column %q, %q}\nwant {line %d, column %q, containing %q}",
				i, p.Line, p.Column, p.Message, w.line, w.column, w.message)
		}
	}
	for _, p := range re.Problems {
		if !strings.Contains(p.Message, "expected") {
			t.Errorf("message %q does not say what was expected", p.Message)
		}
	}
	return re
}

func TestParseManyProblems(t *testing.T) {
	t.Parallel()
	in := bom + "login,account_id,role_arn,external_id,region,email\r\n" +
		"user01,111111111111,,,,\r\n" + // fine
		"user02,1.23457E+11,,,Tokyo,\r\n" + // two problems
		"\r\n" +
		"USER01,12345678901,,,,\r\n" + // duplicate login, 11 digits
		"user04,444444444444,arn:aws:iam::555555555555:role/r,zz,,not-an-email\r\n" + // account mismatch, bad email
		"user05,555555555555\r\n" + // wrong field count
		"user06,666666666666,,secret-ish,,\r\n" // external id without role
	re := checkProblems(t, in, []wantProblem{
		{3, "account_id", "scientific notation"},
		{3, "region", "not a region code"},
		{5, "login", "already used on line 2"},
		{5, "account_id", "only 11 digits"},
		{6, "role_arn", "account 555555555555 but account_id is 444444444444"},
		{6, "email", "not a valid address"},
		{7, "", "the row has 2 fields but the header has 6 columns"},
		{8, "external_id", "role_arn is empty"},
	})
	lines := strings.Split(re.Error(), "\n")
	if len(lines) != 8 {
		t.Fatalf("Error() has %d lines, want 8:\n%s", len(lines), re.Error())
	}
	if want := "line 3, account_id: account_id \"1.23457E+11\" is in scientific notation"; !strings.HasPrefix(lines[0], want) {
		t.Errorf("Error() line 1 = %q, want prefix %q", lines[0], want)
	}
	if want := "line 7: the row has 2 fields"; !strings.HasPrefix(lines[6], want) {
		t.Errorf("Error() line 7 = %q, want prefix %q", lines[6], want)
	}
}

func TestParseDedicated(t *testing.T) {
	t.Parallel()
	in := "login,account_id\n" +
		"a1,111111111111\n" +
		"b1,222222222222\n" +
		"b2,222222222222\n" +
		"c1,333333333333\n" +
		"b3,222222222222\n"
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"a1": true, "b1": false, "b2": false, "c1": true, "b3": false}
	if len(got) != len(want) {
		t.Fatalf("got %d students, want %d", len(got), len(want))
	}
	for _, s := range got {
		if s.Dedicated != want[s.Login] {
			t.Errorf("%s: Dedicated = %v, want %v", s.Login, s.Dedicated, want[s.Login])
		}
	}
}

func TestParseNeverEchoesExternalID(t *testing.T) {
	t.Parallel()
	const secret = "Sup3rS3cretExtId"
	const head = "login,account_id,role_arn,external_id\n"
	const role = "arn:aws:iam::111111111111:role/r"
	tests := []struct {
		name, in string
	}{
		{"without role", head + "u1,111111111111,," + secret + "\n"},
		{"with a space", head + "u1,111111111111," + role + "," + secret + " " + secret + "\n"},
		{"with a bad character", head + "u1,111111111111," + role + "," + secret + "#\n"},
		{"non-ASCII", head + "u1,111111111111," + role + "," + secret + "秘密\n"},
		{"too long", head + "u1,111111111111," + role + "," + strings.Repeat(secret, 100) + "\n"},
		{"valid but other columns wrong", head + "u1,1234,arn:aws:iam::222222222222:role/r," + secret + "\n"},
		{"valid but role in other account", head + "u1,111111111111,arn:aws:iam::222222222222:role/r," + secret + "\n"},
		{"quoted with a quote", head + "u1,111111111111," + role + ",\"" + secret + "\"\"" + secret + "\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			students, err := Parse(strings.NewReader(tt.in))
			if err == nil || students != nil {
				t.Fatalf("Parse = %v, %v; want an error", students, err)
			}
			if strings.Contains(err.Error(), secret[:8]) {
				t.Errorf("error text contains the external id:\n%v", err)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := "testdata"

	t.Run("good UTF-8 with BOM and CRLF", func(t *testing.T) {
		t.Parallel()
		got, err := ReadFile(filepath.Join(dir, "good.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, goodRosterStudents) {
			t.Errorf("got\n%+v\nwant\n%+v", got, goodRosterStudents)
		}
	})

	t.Run("good Shift_JIS", func(t *testing.T) {
		t.Parallel()
		got, err := ReadFile(filepath.Join(dir, "good_sjis.csv"))
		if err != nil {
			t.Fatal(err)
		}
		want := []grader.Student{
			{Login: "user01", DisplayName: "山田 太郎", AccountID: "111111111111", Section: "ソフト表", Dedicated: true},
			{Login: "user02", DisplayName: "鈴木 花子", AccountID: "222222222222", Section: "２組", Dedicated: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got\n%+v\nwant\n%+v", got, want)
		}
	})

	t.Run("bad", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "bad.csv")
		got, err := ReadFile(path)
		if got != nil || err == nil {
			t.Fatalf("ReadFile = %v, %v; want an error", got, err)
		}
		if !strings.HasPrefix(err.Error(), "roster "+path+": line 2, account_id: ") {
			t.Errorf("error does not start with the path and the first problem:\n%v", err)
		}
		var re *Error
		if !errors.As(err, &re) {
			t.Fatalf("error %T does not wrap *Error", err)
		}
		want := []struct {
			line   int
			column string
		}{{2, "account_id"}, {3, "account_id"}, {4, "login"}, {4, "role_arn"}, {5, "email"}, {6, "external_id"}}
		if len(re.Problems) != len(want) {
			t.Fatalf("got %d problems, want %d:\n%v", len(re.Problems), len(want), err)
		}
		for i, w := range want {
			if re.Problems[i].Line != w.line || re.Problems[i].Column != w.column {
				t.Errorf("problem %d = %+v, want line %d column %s", i, re.Problems[i], w.line, w.column)
			}
		}
		if strings.Contains(err.Error(), "TopSecretExternal01") {
			t.Errorf("error text contains the external id:\n%v", err)
		}
	})

	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "nope.csv")
		_, err := ReadFile(path)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("err = %v, want fs.ErrNotExist", err)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "roster "+path+": ") {
			t.Errorf("err = %v, want it prefixed with the path", err)
		}
	})
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	e := &Error{Problems: []Problem{
		{Line: 12, Column: "account_id", Message: "bad"},
		{Line: 3, Message: "row"},
		{Message: "file"},
	}}
	if got, want := e.Error(), "line 12, account_id: bad\nline 3: row\nfile"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Independent statements of the rules, to check the fuzzer's results.
var (
	fuzzLoginRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	fuzzAccountRE = regexp.MustCompile(`^[0-9]{12}$`)
	fuzzRegionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	fuzzExtIDRE   = regexp.MustCompile(`^[A-Za-z0-9_+=,.@:/-]+$`) // and 2 to 1224 long
	fuzzRoleRE    = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/.+$`)
)

func FuzzParse(f *testing.F) {
	f.Add(goodRoster)
	f.Add(strings.ReplaceAll(goodRoster, "\r\n", "\n"))
	for _, c := range badRosterCases {
		f.Add(c.in)
	}
	// A missing seed file fails the run rather than quietly shrinking the corpus.
	sjis, err := os.ReadFile(filepath.Join("testdata", "good_sjis.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(sjis))
	f.Add("login,account_id\nu1,111111111111\nu2,111111111111\n")
	f.Add("login,account_id,external_id,role_arn\nu1,111111111111,ab,arn:aws:iam::111111111111:role/r\n")
	f.Add("login,account_id,external_id,role_arn\nu1,111111111111,ab,arn:aws:iam::111111111111:role/r\nu2,111111111111,ac,arn:aws:iam::111111111111:role/r\n")
	f.Add("login,account_id,display_name\nu1,111111111111,a\u200bb\n")

	f.Fuzz(func(t *testing.T, in string) {
		students, err := Parse(strings.NewReader(in))
		if err != nil {
			if students != nil {
				t.Fatalf("returned %d students and an error", len(students))
			}
			var re *Error
			if errors.As(err, &re) {
				if len(re.Problems) == 0 {
					t.Fatal("Error without problems")
				}
				for _, p := range re.Problems {
					if p.Message == "" || p.Line < 0 {
						t.Fatalf("bad problem %+v", p)
					}
				}
			}
			return
		}
		if len(students) == 0 {
			t.Fatal("no students and no error")
		}
		logins := map[string]bool{}
		accounts := map[string]int{}
		credentials := map[string]grader.Student{}
		for _, s := range students {
			accounts[s.AccountID]++
			if first, ok := credentials[s.AccountID]; !ok {
				credentials[s.AccountID] = s
			} else if first.RoleARN != s.RoleARN || first.ExternalID != s.ExternalID {
				t.Errorf("account %s accepted with two roles or external ids (%s, %s)", s.AccountID, first.Login, s.Login)
			}
		}
		for _, s := range students {
			if !fuzzLoginRE.MatchString(s.Login) {
				t.Errorf("invalid login %q accepted", s.Login)
			}
			key := strings.ToLower(s.Login)
			if logins[key] {
				t.Errorf("duplicate login %q accepted", s.Login)
			}
			logins[key] = true
			if !fuzzAccountRE.MatchString(s.AccountID) {
				t.Errorf("invalid account %q accepted", s.AccountID)
			}
			if s.Region != "" && !fuzzRegionRE.MatchString(s.Region) {
				t.Errorf("invalid region %q accepted", s.Region)
			}
			if s.RoleARN != "" {
				m := fuzzRoleRE.FindStringSubmatch(s.RoleARN)
				if m == nil || m[2] != s.AccountID {
					t.Errorf("role %q accepted for account %s", s.RoleARN, s.AccountID)
				}
			}
			if s.ExternalID != "" && (s.RoleARN == "" || !fuzzExtIDRE.MatchString(s.ExternalID) || len(s.ExternalID) < 2 || len(s.ExternalID) > 1224) {
				t.Errorf("invalid external id accepted (role %q)", s.RoleARN)
			}
			for _, v := range []string{s.Login, s.DisplayName, s.AccountID, s.RoleARN, s.ExternalID, s.Region, s.Email, s.SISID, s.Section} {
				if v != strings.TrimSpace(v) {
					t.Errorf("field %q not trimmed", v)
				}
				if !utf8.ValidString(v) {
					t.Errorf("field %q is not valid UTF-8", v)
				}
				if strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
					t.Errorf("field %q with a control or format character accepted", v)
				}
			}
			if s.Dedicated != (accounts[s.AccountID] == 1) {
				t.Errorf("%s: Dedicated = %v with %d students in account %s", s.Login, s.Dedicated, accounts[s.AccountID], s.AccountID)
			}
		}
	})
}

// Invisible characters can disguise a name (U+202E shows "evil" as
// "live") or blank it (U+200B alone): every free-text column refuses
// control and format characters (Unicode Cc and Cf), naming the line.
func TestParseRefusesInvisibleCharacters(t *testing.T) {
	t.Parallel()
	const h = "login,account_id,display_name,email,sis_id,section\n"
	cases := []badRosterCase{
		{name: "right-to-left override in display_name", in: h + "u1,111111111111,\u202eevil,,,\n", want: []wantProblem{{2, "display_name", "U+202E"}}},
		{name: "only a zero-width space in display_name", in: h + "u1,111111111111,\u200b,,,\n", want: []wantProblem{{2, "display_name", "U+200B"}}},
		{name: "zero-width joiner in display_name", in: h + "u1,111111111111,a\u200db,,,\n", want: []wantProblem{{2, "display_name", "U+200D"}}},
		{name: "byte-order mark inside display_name", in: h + "u1,111111111111,Ta\ufeffro,,,\n", want: []wantProblem{{2, "display_name", "U+FEFF"}}},
		{name: "left-to-right isolate in display_name", in: h + "u1,111111111111,\u2066x\u2069,,,\n", want: []wantProblem{{2, "display_name", "U+2066"}}},
		{name: "soft hyphen in display_name", in: h + "u1,111111111111,Ta\u00adro,,,\n", want: []wantProblem{{2, "display_name", "U+00AD"}}},
		{name: "line separator in display_name", in: h + "u1,111111111111,a\u2028b,,,\n", want: []wantProblem{{2, "display_name", "line break"}}},
		{name: "C1 control in display_name", in: h + "u1,111111111111,a\u0085b,,,\n", want: []wantProblem{{2, "display_name", "U+0085"}}},
		{name: "zero-width space in email", in: h + "u1,111111111111,,ta\u200bro@example.com,,\n", want: []wantProblem{{2, "email", "U+200B"}}},
		{name: "override in sis_id", in: h + "u1,111111111111,,,S\u202d01,\n", want: []wantProblem{{2, "sis_id", "U+202D"}}},
		{name: "zero-width non-joiner in section", in: h + "u1,111111111111,,,,A\u200c\n", want: []wantProblem{{2, "section", "U+200C"}}},
		{name: "override in login", in: h + "u1\u202e,111111111111,,,,\n", want: []wantProblem{{2, "login", "U+202E"}}},
		{name: "on a later line", in: h + "u1,111111111111,Taro,,,\nu2,222222222222,Hana\u200bko,,,\n", want: []wantProblem{{3, "display_name", "U+200B"}}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, tt.in, tt.want)
		})
	}

	// Japanese and other real names still pass: an ideographic space
	// inside, half-width kana, characters outside the BMP, an ideographic
	// variation selector (a combining mark, not a format character) and
	// right-to-left script without overrides.
	in := h +
		"u1,111111111111,山田\u3000太郎,taro@example.com,S-001,１組\n" +
		"u2,222222222222,ﾔﾏﾀﾞ ﾀﾛｳ,,,\n" +
		"u3,333333333333,𠮷野 花子,,,\n" +
		"u4,444444444444,葛\U000E0100城 次郎,,,\n" +
		"u5,555555555555,שלום עליכם,,,\n" +
		"u6,666666666666,Zoë Ångström-Øre,,,\n"
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Parse of real names: %v", err)
	}
	want := []string{"山田\u3000太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "𠮷野 花子", "葛\U000E0100城 次郎", "שלום עליכם", "Zoë Ångström-Øre"}
	for i, s := range got {
		if s.DisplayName != want[i] {
			t.Errorf("student %d display_name = %q, want %q", i, s.DisplayName, want[i])
		}
	}
}

// The students of one account are scanned together, with one set of
// credentials: rows of one account that disagree on the role (or its
// external id) would silently make separate targets of one account.
func TestParseOneRolePerAccount(t *testing.T) {
	t.Parallel()
	const (
		h     = "login,account_id,role_arn,external_id,region\n"
		roleA = "arn:aws:iam::111111111111:role/LabGridA"
		roleB = "arn:aws:iam::111111111111:role/LabGridB"
	)
	cases := []badRosterCase{
		{name: "two roles", in: h + "u1,111111111111," + roleA + ",,\nu2,111111111111," + roleB + ",,\n", want: []wantProblem{
			{3, "role_arn", "but line 2 gives account 111111111111 the role " + `"` + roleA + `"`},
		}},
		{name: "two external ids", in: h + "u1,111111111111," + roleA + ",secret-one,\nu2,111111111111," + roleA + ",secret-two,\n", want: []wantProblem{
			{3, "external_id", "differs from line 2's"},
		}},
		{name: "external id on one row only", in: h + "u1,111111111111," + roleA + ",secret-one,\nu2,111111111111," + roleA + ",,\n", want: []wantProblem{
			{3, "external_id", "differs from line 2's"},
		}},
		{name: "role for some, none for others", in: h + "u1,111111111111,,,\nu2,111111111111," + roleA + ",,\nu3,111111111111,,,\n", want: []wantProblem{
			{3, "role_arn", "but line 2 gives account 111111111111 no role"},
		}},
		{name: "no role after a role", in: h + "u1,111111111111," + roleA + ",,\nu2,111111111111,,,\n", want: []wantProblem{
			{3, "role_arn", "role_arn is empty but line 2 gives account 111111111111 the role"},
		}},
		{name: "every disagreeing line named", in: h + "u1,111111111111," + roleA + ",,\nu2,111111111111," + roleB + ",,\nu3,111111111111," + roleA + ",,\nu4,111111111111,,,\n", want: []wantProblem{
			{3, "role_arn", "line 2"},
			{5, "role_arn", "line 2"},
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			re := checkProblems(t, tt.in, tt.want)
			for _, secret := range []string{"secret-one", "secret-two"} {
				if strings.Contains(re.Error(), secret) {
					t.Errorf("the message shows the external id %q:\n%v", secret, re)
				}
			}
		})
	}

	// A class can still have several accounts, each with its own role,
	// and one account in several regions.
	in := h +
		"u1,111111111111," + roleA + ",ext-1,ap-northeast-1\n" +
		"u2,111111111111," + roleA + ",ext-1,us-east-1\n" +
		"u3,222222222222,arn:aws:iam::222222222222:role/Other,,\n" +
		"u4,333333333333,,,\n" +
		"u5,333333333333,,,us-west-2\n"
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d students, want 5", len(got))
	}
}

package grader

import "strings"

// Student is one roster row: who is graded and where their resources live.
type Student struct {
	Login       string // e.g. user05; fills {user} in the name templates
	DisplayName string
	AccountID   string // 12 digits
	RoleARN     string // empty: the grader's own credentials reach the account
	ExternalID  string // secret; never printed
	Region      string // empty in a roster row means the rubric's region
	Email       string
	SISID       string
	Section     string

	// Dedicated is true when no other student of the roster uses this
	// AccountID: a lone resource of a kind can then be taken as the
	// student's even when its name differs from the template.
	Dedicated bool
}

// Name is the display name, or the login when there is none: what a page
// or a gradebook row calls the student.
func (s Student) Name() string {
	if strings.TrimSpace(s.DisplayName) != "" {
		return s.DisplayName
	}
	return s.Login
}

// TargetOf is where the student's resources are looked at, with the
// rubric's region when the roster gives none.
func (s Student) TargetOf(defaultRegion string) Target {
	region := s.Region
	if region == "" {
		region = defaultRegion
	}
	return Target{AccountID: s.AccountID, Region: region, RoleARN: s.RoleARN, ExternalID: s.ExternalID}
}

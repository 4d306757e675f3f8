package step3_test

import (
	"labgrid/grader"
	"labgrid/labs/internal/fixture"
	"strings"
	"testing"
)

// checkCase breaks one thing in the class fixture and expects one check's
// verdict for a student (user01 in the shared account unless told).
type checkCase struct {
	name    string
	logins  []string // the fixture's students; default user01 and user02
	student grader.Student
	breakIt func(t *testing.T, s *grader.Snapshot)
	check   string
	want    grader.Status
	// says are fragments of the English message; notSays must be absent.
	says    []string
	notSays []string
	// hintSays are fragments of the hint, in either language.
	hintSays []string
	// evidence are fragments that some evidence string must contain.
	evidence []string
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logins := tc.logins
			if logins == nil {
				logins = []string{"user01", "user02"}
			}
			s := classSnapshot(logins...)
			if tc.breakIt != nil {
				tc.breakIt(t, s)
			}
			st := tc.student
			if st.Login == "" {
				st = student("user01")
			}
			r := resultOf(t, s, st, nil, tc.check)
			expectStatus(t, r, tc.want, tc.says...)
			for _, f := range tc.notSays {
				if strings.Contains(r.Message.EN, f) {
					t.Errorf("%s: message %q mentions %q", r.CheckID, r.Message.EN, f)
				}
			}
			for _, f := range tc.hintSays {
				if !strings.Contains(r.Hint.JA, f) && !strings.Contains(r.Hint.EN, f) {
					t.Errorf("%s: hint %+v does not mention %q", r.CheckID, r.Hint, f)
				}
			}
			for _, f := range tc.evidence {
				if !strings.Contains(strings.Join(r.Evidence, "\n"), f) {
					t.Errorf("%s: evidence %q does not mention %q", r.CheckID, r.Evidence, f)
				}
			}
			if strings.ContainsAny(r.Message.EN+r.Message.JA, "\n") {
				t.Errorf("%s: message is not one line: %+v", r.CheckID, r.Message)
			}
			if r.Status.Passed() && (r.Hint != grader.Text{}) {
				t.Errorf("%s: passed with a hint: %+v", r.CheckID, r.Hint)
			}
		})
	}
}

func TestStep3PassesOnTheCompleteFixture(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01", "user02", "user03")
	for _, login := range []string{"user01", "user02", "user03"} {
		rep := evaluate(t, s, student(login), nil, "")
		for _, r := range rep.Results {
			area, _, _ := strings.Cut(r.CheckID, ".")
			if area != "web" && area != "alb" && area != "ingress" {
				continue
			}
			if r.Status != grader.StatusPass {
				t.Errorf("%s %s: %s (%s), want pass", login, r.CheckID, r.Status, r.Message.EN)
			}
			if len(r.Evidence) == 0 {
				t.Errorf("%s %s: no evidence", login, r.CheckID)
			}
		}
	}
}

func TestWebAMI(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "complete", check: "web.ami", want: grader.StatusPass, says: []string{"ami-user01", "is available"}},
		{name: "AMI missing", check: "web.ami", want: grader.StatusFail, says: []string{`"sampleapp user01"`}, hintSays: []string{"イメージの作成"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.Images = fixture.RemoveWhere(s.Images, func(im *grader.Image) bool { return im.ID == "ami-user01" })
			}},
		{name: "AMI pending", check: "web.ami", want: grader.StatusFail, says: []string{"still being created"}, hintSays: []string{"available"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.Images[0].State = "pending" }},
		{name: "AMI failed", check: "web.ami", want: grader.StatusFail, says: []string{"state failed"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.Images[0].State = "failed" }},
		{name: "name with other case and spaces passes without warning", check: "web.ami", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.Images[0].Name = "  SampleApp User01 " }},
		{name: "failed namesake beside an available one", check: "web.ami", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.Images = append([]grader.Image{{ID: "ami-broken", Name: "sampleapp user01", State: "failed"}}, s.Images...)
			}},
		{name: "shared account, renamed AMI is not taken", check: "web.ami", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.Images[0].Name = "my image" }},
		{name: "another student's AMI does not count", check: "web.ami", want: grader.StatusFail, student: student("user03")},
		{name: "dedicated account, lone image renamed warns", logins: []string{"user01"}, student: dedicatedStudent,
			check: "web.ami", want: grader.StatusWarn, says: []string{"differs", `"my image"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.Images[0].Name = "my image" }},
	})
}

func TestWebSecondInstance(t *testing.T) {
	t.Parallel()
	web2 := func(s *grader.Snapshot, t *testing.T) *grader.Instance {
		return instanceNamed(t, s, "webserver#2-user01")
	}
	runCheckCases(t, []checkCase{
		{name: "complete", check: "web.second_instance", want: grader.StatusPass,
			says: []string{"i-user01-2", "is running", "launched from AMI ami-user01"}, evidence: []string{"i-user01-2", "subnet-user01-pubc"}},
		{name: "#2 missing", check: "web.second_instance", want: grader.StatusFail, says: []string{`"webserver#2-user01"`}, hintSays: []string{"webserver#2-"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).Name = "something" }},
		{name: "#2 name with other case and spaces", check: "web.second_instance", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).Name = " WebServer#2-USER01  " }},
		{name: "#2 stopped", check: "web.second_instance", want: grader.StatusFail, says: []string{"state is stopped"}, hintSays: []string{"Start instance"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { in := web2(s, t); in.State = "stopped"; in.PublicIP = "" }},
		// The lab does not say that a terminated namesake exists, only that
		// no (live) instance of that name was found.
		{name: "#2 only terminated", check: "web.second_instance", want: grader.StatusFail, says: []string{`"webserver#2-user01" was found`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).State = "terminated" }},
		{name: "terminated and stopped namesakes beside a running one pass", check: "web.second_instance", want: grader.StatusPass, says: []string{"i-user01-2"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				old := *web2(s, t)
				old.ID, old.State, old.PublicIP = "i-old-terminated", "terminated", ""
				stopped := old
				stopped.ID, stopped.State = "i-old-stopped", "stopped"
				s.Instances = append([]grader.Instance{old, stopped}, s.Instances...)
			}},
		{name: "launched from another AMI", check: "web.second_instance", want: grader.StatusFail, says: []string{"launched from ami-amazonlinux", "ami-user01"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).ImageID = "ami-amazonlinux" }},
		{name: "launched from another student's AMI", check: "web.second_instance", want: grader.StatusFail, says: []string{"launched from ami-user02", `not from "sampleapp user01" (ami-user01)`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).ImageID = "ami-user02" }},
		{name: "in a private subnet", check: "web.second_instance", want: grader.StatusFail, says: []string{"subnet subnet-user01-privc is not a public subnet"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).SubnetID = "subnet-user01-privc" }},
		{name: "in another student's VPC", check: "web.second_instance", want: grader.StatusFail, says: []string{"in VPC vpc-user02, not in vpc-user01"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				in := web2(s, t)
				in.VPCID, in.SubnetID = "vpc-user02", "subnet-user02-pubc"
			}},
		{name: "no public IP", check: "web.second_instance", want: grader.StatusFail, says: []string{"no public IP"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).PublicIP = "" }},
		{name: "without the web SG", check: "web.second_instance", want: grader.StatusFail,
			says: []string{"does not have the security group web-user01 (sg-user01-web)", "its groups: sg-user01-default"}, hintSays: []string{"web-user01"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).SecurityGroupIDs = []string{"sg-user01-default"} }},
		{name: "every failing condition is listed", check: "web.second_instance", want: grader.StatusFail,
			says: []string{"state is stopped", "launched from ami-amazonlinux", "not a public subnet", "no public IP", "does not have the security group"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				in := web2(s, t)
				in.State, in.ImageID, in.SubnetID, in.PublicIP, in.SecurityGroupIDs = "stopped", "ami-amazonlinux", "subnet-user01-privc", "", []string{"sg-user01-default"}
			}},
		{name: "t2.small warns", check: "web.second_instance", want: grader.StatusWarn, says: []string{"t2.small", "t2.micro"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).Type = "t2.small" }},
		{name: "in ap-northeast-1d warns", check: "web.second_instance", want: grader.StatusWarn, says: []string{"ap-northeast-1d", "ap-northeast-1c"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				// The servers swap AZs: #2 in 1d, #1 in 1c.
				in := web2(s, t)
				in.AZ, in.SubnetID = "ap-northeast-1d", "subnet-user01-pubd"
				w1 := instanceNamed(t, s, "webserver#1-user01")
				w1.AZ, w1.SubnetID = "ap-northeast-1c", "subnet-user01-pubc"
			}},
		{name: "AMI missing: the instance is still reported", check: "web.second_instance", want: grader.StatusBlocked,
			says: []string{"i-user01-2", "is running in public subnet", "web.ami"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.Images = fixture.RemoveWhere(s.Images, func(im *grader.Image) bool { return im.ID == "ami-user01" })
			}},
		{name: "AMI pending: the AMI part is not judged", check: "web.second_instance", want: grader.StatusBlocked, says: []string{"web.ami"},
			notSays: []string{"launched from ami"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.Images[0].State = "pending" }},
		{name: "AMI missing and instance broken: fails for the instance only", check: "web.second_instance", want: grader.StatusFail,
			says: []string{"no public IP", "not judged", "web.ami"}, notSays: []string{"launched from ami"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				s.Images = fixture.RemoveWhere(s.Images, func(im *grader.Image) bool { return im.ID == "ami-user01" })
				web2(s, t).PublicIP = ""
			}},
		{name: "dedicated account, #2 renamed: the lone instance from the AMI warns", logins: []string{"user01"}, student: dedicatedStudent,
			check: "web.second_instance", want: grader.StatusWarn, says: []string{"i-user01-2", "differs", `"web2"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).Name = "web2" }},
		{name: "dedicated account, two unnamed instances from the AMI: none taken", logins: []string{"user01"}, student: dedicatedStudent,
			check: "web.second_instance", want: grader.StatusFail, says: []string{`"webserver#2-user01"`},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				in := web2(s, t)
				in.Name = "web2"
				twin := *in
				twin.ID = "i-twin"
				s.Instances = append(s.Instances, twin)
			}},
		{name: "shared account, renamed #2 is not taken", check: "web.second_instance", want: grader.StatusFail,
			breakIt: func(t *testing.T, s *grader.Snapshot) { web2(s, t).Name = "web2" }},
	})
}

func TestWebSecondInstanceWithAMICheckDisabled(t *testing.T) {
	t.Parallel()
	s := classSnapshot("user01")
	instanceNamed(t, s, "webserver#2-user01").ImageID = "ami-amazonlinux"
	rep := evaluate(t, s, student("user01"), nil, "checks:\n  web.ami: {enabled: false}\n")
	for _, res := range rep.Results {
		if res.CheckID == "web.ami" {
			t.Errorf("web.ami judged while disabled: %s", res.Status)
		}
	}
	expectStatus(t, resultIn(t, rep, "web.second_instance"), grader.StatusFail, "launched from ami-amazonlinux")
}

func TestWebTwoAZ(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "complete", check: "web.two_az", want: grader.StatusPass, says: []string{"2 running web servers", "2 AZs (ap-northeast-1c, ap-northeast-1d)"}},
		{name: "both web servers in one AZ", check: "web.two_az", want: grader.StatusFail, says: []string{"Only 2 running", "in 1 AZs (ap-northeast-1d)"},
			hintSays: []string{"ap-northeast-1c"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				in := instanceNamed(t, s, "webserver#2-user01")
				in.AZ, in.SubnetID = "ap-northeast-1d", "subnet-user01-pubd"
			}},
		{name: "one web server only", check: "web.two_az", want: grader.StatusFail, says: []string{"Only 1 running"},
			breakIt: func(t *testing.T, s *grader.Snapshot) { instanceNamed(t, s, "webserver#2-user01").State = "stopped" }},
		{name: "#2 in a private subnet", check: "web.two_az", want: grader.StatusFail, says: []string{"Only 1 running"}, evidence: []string{"Subnet=subnet-user01-privc"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				instanceNamed(t, s, "webserver#2-user01").SubnetID = "subnet-user01-privc"
			}},
		{name: "an extra unnamed server in the other AZ counts", check: "web.two_az", want: grader.StatusPass,
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				in := instanceNamed(t, s, "webserver#2-user01")
				in.Name = "web-two"
			}},
		{name: "no VPC", check: "web.two_az", want: grader.StatusFail, says: []string{`VPC "vpc-user01" was not found`},
			breakIt: func(t *testing.T, s *grader.Snapshot) { s.VPCs[0].Name = "x" }},
		{name: "another student's servers do not count", check: "web.two_az", want: grader.StatusFail, says: []string{"Only 0 running"},
			breakIt: func(t *testing.T, s *grader.Snapshot) {
				for _, n := range []string{"webserver#1-user01", "webserver#2-user01"} {
					instanceNamed(t, s, n).State = "stopped"
				}
			}},
	})
}

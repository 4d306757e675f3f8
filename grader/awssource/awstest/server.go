package awstest

import (
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"labgrid/grader"
)

// Server is an HTTP server on 127.0.0.1 that answers the AWS API calls of
// awssource from a *grader.Snapshot, as AWS would describe those
// resources. Point an SDK client (or `labgrid scan --endpoint-url`) at
// URL(). It is safe for concurrent use.
//
// Every list answers the whole snapshot, whatever the request's filters,
// except:
//   - DescribeListeners and DescribeTargetHealth answer the listeners of
//     the LoadBalancerArn, the targets of the TargetGroupArn, and the
//     LoadBalancerNotFound or TargetGroupNotFound error for an ARN the
//     snapshot does not hold;
//   - DescribeImages with Owner.N answers the images of those owners,
//     "self" being the snapshot's Target.AccountID;
//   - DescribeEvents answers the events matching SourceType,
//     SourceIdentifier and EventCategories.EventCategory.N, dated within
//     StartTime..EndTime or the last Duration minutes (default 60, as AWS)
//     before the snapshot's TakenAt (now when TakenAt is zero). Events
//     without a Date are always answered.
//
// Listeners of a load balancer the snapshot does not hold are not served.
// Values are rendered as AWS reports them: launchTime to the second, event
// dates to the millisecond, no ports on all-traffic (-1) rules, empty ELBv2
// lists left out.
type Server struct {
	h   *Handler
	srv *httptest.Server

	mu sync.Mutex
	r  *rendered
}

// NewServer starts a Server with an empty snapshot (an account with
// nothing in it). Close it when done.
func NewServer() *Server {
	s := &Server{r: render(nil)}
	s.h = NewHandler(s.list)
	s.srv = httptest.NewUnstartedServer(s.h)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("awstest: listen on 127.0.0.1: " + err.Error())
	}
	s.srv.Listener = ln
	s.srv.Start()
	return s
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server; requests still waiting (SetHang) are cut off.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Handler is the Handler the server runs, for its lower-level controls
// (SetPageSize per action, SetHang, OnUnexpected, Fail with a delay).
func (s *Server) Handler() *Handler { return s.h }

// SetSnapshot replaces the state served. The snapshot is rendered at once:
// changing it afterwards changes nothing served. nil serves an empty
// account. A client paging through a list while the snapshot is replaced
// may be answered an invalid-token error, as AWS would.
func (s *Server) SetSnapshot(snap *grader.Snapshot) {
	r := render(snap)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r = r
}

// SetPageSize splits every list into pages of n items (0: one page).
func (s *Server) SetPageSize(n int) { s.h.SetPageSize(n) }

// Fail makes the next times requests of action (every request when times
// is negative; action "*" for every action) answer the AWS error code with
// the HTTP status, in the protocol's error shape. Whether the SDK retries
// depends on both: e.g. 403 AccessDenied is final, 400 Throttling and 503
// are retried.
func (s *Server) Fail(action string, status int, code, message string, times int) {
	s.h.Fail(action, Error{Status: status, Code: code, Message: message}, times)
}

// Requests returns every request received so far, in order of arrival.
func (s *Server) Requests() []Request { return s.h.Requests() }

func (s *Server) rendered() *rendered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r
}

// list is the Handler's ListFunc.
func (s *Server) list(req Request) ([]string, *Error) {
	r := s.rendered()
	switch req.Action {
	case "DescribeListeners":
		items, ok := r.listeners[req.Form.Get("LoadBalancerArn")]
		if !ok {
			return nil, &Error{Status: 400, Code: "LoadBalancerNotFound", Message: "One or more load balancers not found"}
		}
		return items, nil
	case "DescribeTargetHealth":
		items, ok := r.health[req.Form.Get("TargetGroupArn")]
		if !ok {
			return nil, &Error{Status: 400, Code: "TargetGroupNotFound", Message: "One or more target groups not found"}
		}
		return items, nil
	case "DescribeImages":
		return r.imagesFor(formList(req.Form, "Owner")), nil
	case "DescribeEvents":
		return r.eventsFor(req)
	}
	return r.lists[req.Action], nil
}

// formList is the values of a query-protocol list parameter: prefix.1,
// prefix.2, … (or prefix.member.1, … with member).
func formList(form map[string][]string, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[prefix+"."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

func (r *rendered) imagesFor(owners []string) []string {
	var out []string
	for _, im := range r.images {
		if len(owners) == 0 || r.ownedBy(im.owner, owners) {
			out = append(out, im.xml)
		}
	}
	return out
}

func (r *rendered) ownedBy(owner string, owners []string) bool {
	for _, o := range owners {
		if o == owner || (o == "self" && (r.account == "" || r.account == owner)) {
			return true
		}
	}
	return false
}

func (r *rendered) eventsFor(req Request) ([]string, *Error) {
	f := req.Form
	end := r.takenAt
	if end.IsZero() {
		end = time.Now()
	}
	invalid := func(param string) *Error {
		return &Error{Status: 400, Code: "InvalidParameterValue", Message: "Invalid value for " + param + ": " + f.Get(param)}
	}
	start := end.Add(-time.Hour)
	if v := f.Get("EndTime"); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return nil, invalid("EndTime")
		}
		end = t
	}
	if v := f.Get("StartTime"); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return nil, invalid("StartTime")
		}
		start = t
	} else if v := f.Get("Duration"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 {
			return nil, invalid("Duration")
		}
		start = end.Add(-time.Duration(m) * time.Minute)
	}
	sourceType, sourceID := f.Get("SourceType"), f.Get("SourceIdentifier")
	categories := formList(f, "EventCategories.EventCategory")

	var out []string
	for _, e := range r.events {
		if sourceType != "" && e.sourceType != sourceType {
			continue
		}
		if sourceID != "" && e.sourceID != sourceID {
			continue
		}
		if len(categories) > 0 && !anyIn(e.categories, categories) {
			continue
		}
		if !e.date.IsZero() && (e.date.Before(start) || e.date.After(end)) {
			continue
		}
		out = append(out, e.xml)
	}
	return out, nil
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

// parseTime reads a query-protocol timestamp (ISO 8601).
func parseTime(v string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, v)
}

package grader

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// The probe checks look from outside, as a browser would: the grader sends
// one HTTP GET to the student's load balancer and to each web server. They
// are advisory and off by default (rubric_default.yaml); a class turns them
// on in its rubric. The grader does no I/O: a Prober (package prober) fills
// Snapshot.Probes for the URLs ProbeTargets names, and these checks judge
// what it found.

// The ids of the probe checks.
const (
	CheckALBHTTP       = "probe.alb_http"
	CheckDirectBlocked = "probe.direct_blocked"
)

// How long each probe waits for an answer, as RUBRIC.md says.
const (
	ALBProbeTimeout    = 5 * time.Second
	DirectProbeTimeout = 3 * time.Second
)

var probeChecks = []check{
	{
		id:    CheckALBHTTP,
		reads: []Data{DataLoadBalancers, DataProbes},
		area:  "probe",
		title: Text{JA: "ALB に HTTP で到達", EN: "ALB answers HTTP"},
		hint:  Text{JA: "ロードバランサー「elb-ユーザ名」の状態が active になるまで待ち、リスナー(HTTP:80)とターゲットグループ「tg-elb-ユーザ名」を確認してください", EN: "Wait for the load balancer elb-<user> to become active, then check its HTTP:80 listener and the target group tg-elb-<user>"},
		needs: []string{"alb.exists"},
		judge: judgeALBHTTP,
	},
	{
		id:    CheckDirectBlocked,
		reads: []Data{DataInstances, DataVPCs, DataProbes},
		area:  "probe",
		title: Text{JA: "Webサーバへの直接アクセス不可", EN: "Web servers not reachable directly"},
		hint:  ingressHint("web-ユーザ名", "alb-ユーザ名", "web-<user>", "alb-<user>", nil),
		judge: judgeDirectBlocked,
	},
}

// ProbesEnabled reports whether the rubric enables any probe check: only
// then is a Prober called.
func (r *Rubric) ProbesEnabled() bool {
	for _, c := range probeChecks {
		if s, ok := r.Setting(c.id); ok && s.Enabled {
			return true
		}
	}
	return false
}

// ProbeTarget is one URL a probe check of a student needs an answer from.
type ProbeTarget struct {
	Check string // CheckALBHTTP or CheckDirectBlocked
	URL   string // always http://<host>/, host an IP address or a DNS name
}

// ProbeTargets lists the URLs the student's enabled probe checks need: the
// DNS name of the load balancer named by the rubric's template, and the
// public IP of each of the student's running web servers. Attribution is
// the grader's: the same view the checks judge with.
func ProbeTargets(r *Rubric, snap *Snapshot, st Student) []ProbeTarget {
	enabled := func(id string) bool { s, ok := r.Setting(id); return ok && s.Enabled }
	if !enabled(CheckALBHTTP) && !enabled(CheckDirectBlocked) {
		return nil
	}
	v := newView(r, snap, st, Memory{})
	var out []ProbeTarget
	if enabled(CheckALBHTTP) && v.lb.Item != nil {
		if u := ProbeURL(v.lb.Item.DNSName); u != "" {
			out = append(out, ProbeTarget{Check: CheckALBHTTP, URL: u})
		}
	}
	if enabled(CheckDirectBlocked) {
		for _, in := range v.webInstances() {
			if u := ProbeURL(in.PublicIP); u != "" {
				out = append(out, ProbeTarget{Check: CheckDirectBlocked, URL: u})
			}
		}
	}
	return out
}

// ProbeURL is the URL probed for host: http://host/, with an IPv6 address
// in brackets. It is "" when host is neither an IP address nor a DNS name,
// so that nothing from a snapshot can make the grader request anything
// else.
func ProbeURL(host string) string {
	host = strings.TrimSpace(host)
	if host == "" {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return ""
		}
		if ip.Is6() && !ip.Is4In6() {
			return "http://[" + ip.String() + "]/"
		}
		return "http://" + ip.Unmap().String() + "/"
	}
	if !isDNSName(host) {
		return ""
	}
	return "http://" + strings.ToLower(strings.TrimSuffix(host, ".")) + "/"
}

// isDNSName reports whether s is a plain DNS host name: dot-separated
// labels of letters, digits and hyphens.
func isDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// probePending is the verdict while the snapshot has no answer for url.
func probePending(url string) verdict {
	return verdict{
		status: StatusPending,
		msg:    textf("%s へのプローブはまだ実行されていません", "The probe of %s has not run yet", url),
	}.withHint(Text{JA: "次のスキャンで確認します。しばらくお待ちください", EN: "It runs with a coming scan; wait a moment"})
}

// describeProbe is a probe's evidence line.
func describeProbe(p ProbeResult) string {
	at := p.At.UTC().Format(time.RFC3339)
	if p.Answered() {
		return fmt.Sprintf("GET %s → HTTP %d in %s (at %s)", p.URL, p.Status, p.Duration.Round(time.Millisecond), at)
	}
	return fmt.Sprintf("GET %s → no answer after %s: %s (at %s)", p.URL, p.Duration.Round(time.Millisecond), p.Err, at)
}

func judgeALBHTTP(v *view) verdict {
	lb := v.lb.Item
	if lb == nil {
		return failed(notFound("ロードバランサー", "load balancer", v.lb.Expected))
	}
	url := ProbeURL(lb.DNSName)
	if url == "" {
		return failed(textf("ロードバランサー %s に DNS 名がありません", "The load balancer %s has no DNS name", lb.Name), lb.ARN)
	}
	res, ok := v.snap.Probes[url]
	if !ok {
		return probePending(url)
	}
	evidence := describeProbe(res)
	secs := int(ALBProbeTimeout / time.Second)
	switch {
	case !res.Answered():
		return failed(textf("%s は %d 秒以内に応答しませんでした(%s)", "%s did not answer within %d s (%s)", url, secs, res.Err), evidence)
	case res.Duration > ALBProbeTimeout:
		return failed(textf("%s の応答に %s かかりました(%d 秒以内が必要です)", "%s took %s to answer (%d s at most)", url, res.Duration.Round(time.Millisecond), secs), evidence)
	case res.Status >= 200 && res.Status < 400:
		return passed(textf("%s が HTTP %d を返しました", "%s answered HTTP %d", url, res.Status), evidence)
	}
	vd := failed(textf("%s が HTTP %d を返しました(2xx か 3xx が必要です)", "%s answered HTTP %d (2xx or 3xx is needed)", url, res.Status), evidence)
	if res.Status >= 500 {
		vd = vd.withHint(Text{
			JA: "ターゲットグループ「tg-elb-ユーザ名」のターゲットが healthy か、Webサーバで nginx が動いているか確認してください",
			EN: "Check that the targets of tg-elb-<user> are healthy and nginx runs on the web servers",
		})
	}
	return vd
}

func judgeDirectBlocked(v *view) verdict {
	servers := v.webInstances()
	if len(servers) == 0 {
		return failed(Text{JA: "起動中のWebサーバがありません", EN: "No web server is running"}).
			withHint(Text{JA: "Webサーバ「webserver#1-ユーザ名」「webserver#2-ユーザ名」を起動してください", EN: "Start the web servers webserver#1-<user> and webserver#2-<user>"})
	}
	slices.SortFunc(servers, func(a, b *Instance) int { return strings.Compare(a.Name+a.ID, b.Name+b.ID) })
	var open, evidence []string
	var pending string
	probed := 0
	for _, in := range servers {
		label := in.ID
		if in.Name != "" {
			label = fmt.Sprintf("%s (%s)", in.Name, in.ID)
		}
		url := ProbeURL(in.PublicIP)
		if url == "" {
			evidence = append(evidence, label+": no public IP")
			continue
		}
		res, ok := v.snap.Probes[url]
		if !ok {
			pending = cmp.Or(pending, url)
			continue
		}
		probed++
		evidence = append(evidence, label+": "+describeProbe(res))
		if res.Answered() {
			open = append(open, fmt.Sprintf("%s %s HTTP %d", label, in.PublicIP, res.Status))
		}
	}
	secs := int(DirectProbeTimeout / time.Second)
	switch {
	case len(open) > 0:
		list := strings.Join(open, ", ")
		return failed(textf("インターネットから直接 HTTP で応答しました: %s", "Answered HTTP directly from the internet: %s", list), evidence...)
	case pending != "":
		vd := probePending(pending)
		vd.evidence = evidence
		return vd
	case probed == 0:
		return warned(Text{
			JA: "どのWebサーバにもパブリック IP がないため、直接アクセスを確認できません",
			EN: "No web server has a public IP, so direct access could not be tried",
		}, evidence...)
	}
	return passed(textf("Webサーバ %d 台とも、直接の HTTP に %d 秒以内に応答しませんでした", "None of the %d web servers answered direct HTTP within %d s", probed, secs), evidence...)
}

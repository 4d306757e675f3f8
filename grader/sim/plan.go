package sim

import (
	"math"
	"time"
)

// Stage is the step of the handout a student is working on. Each stage
// begins once the previous one is complete, mistakes fixed: a student at
// StageDone passes every required check.
type Stage int

const (
	StageStep2        Stage = iota // Step 2 done, Step 3 not begun
	StageReplica                   // creating the Aurora replica (in 1c, not public)
	StageFailover                  // replica ready; failing over
	StageAMI                       // failed over; making the AMI of web server #1
	StageWebServer2                // AMI available; launching web server #2 in 1c
	StageLoadBalancer              // #2 running; building the ALB until both targets are healthy
	StageIngress                   // ALB serving; narrowing web-{user} to the ALB's SG
	StageDone                      // every step of Step 3 done
)

var stageNames = [...]string{"step2", "replica", "failover", "ami", "webserver2", "loadbalancer", "ingress", "done"}

func (s Stage) String() string {
	if s >= 0 && int(s) < len(stageNames) {
		return stageNames[s]
	}
	return "stage(" + itoa(int(s)) + ")"
}

// Mistake is one of the handout's typical mistakes.
type Mistake string

const (
	// MistakeReplicaSameAZ: the replica was created in the writer's AZ
	// (ap-northeast-1d). The student deletes it and creates it again in 1c.
	MistakeReplicaSameAZ Mistake = "replica-same-az"
	// MistakeReplicaPublic: the replica was created with
	// PubliclyAccessible=true. Fixed by modifying (or recreating) it.
	MistakeReplicaPublic Mistake = "replica-public"
	// MistakeWebSameAZ: web server #2 was launched in 10.0.0.0/24
	// (ap-northeast-1d, next to #1). The student terminates it and launches
	// it again in 10.0.1.0/24; the terminated instance stays listed.
	MistakeWebSameAZ Mistake = "web-same-az"
	// MistakeTargetUnhealthy: nginx is down on one web server, so its
	// target is unhealthy until the student starts it.
	MistakeTargetUnhealthy Mistake = "target-unhealthy"
	// MistakeHTTPOpen: the student added the ALB rule to web-{user} but left
	// port 80 open to the world (0.0.0.0/0, or the ::/0 rule).
	MistakeHTTPOpen Mistake = "http-open"
)

// event is a moment of a student's timeline: a console action or the end
// of what AWS does in response.
type event int

const (
	evReplicaCreate   event = iota // replica "creating"
	evReplicaAvail                 // replica "available"
	evReplicaDelete                // wrong-AZ replica "deleting"
	evReplicaGone                  // wrong-AZ replica gone
	evReplica2Create               // replica created again, in 1c
	evReplica2Avail                //
	evReplicaModify                // public replica "modifying"
	evReplicaModified              // PubliclyAccessible=false, "available"
	evFailoverStart                // cluster "failing-over"
	evFailoverDone                 // writer is wp-{user}-slave
	evAMICreate                    // image "pending"
	evAMIAvail                     // image "available"
	evWrongLaunch                  // #2 "pending" in 1d
	evWrongRunning                 //
	evWrongTerminate               // wrong #2 "shutting-down"
	evWrongTerminated              // wrong #2 "terminated"
	evWeb2Launch                   // #2 "pending" in 1c
	evWeb2Running                  //
	evALBCreate                    // alb SG, ALB "provisioning", listener, TG
	evALBActive                    //
	evHealthChecked                // first health checks done (one target unhealthy)
	evNginxFixed                   // the student starts nginx
	evTargetsHealthy               // every target healthy
	evIngressEdit                  // web SG edited
	evIngressFixed                 // the world rule left over removed
	numEvents
)

const never = time.Duration(math.MaxInt64)

// plan is one student's whole timeline, drawn from the seed.
type plan struct {
	login string
	speed float64 // 1 is the fastest student; multiplies the console work
	quits bool    // gives up before the end

	replicaSameAZ   bool
	replicaPublic   bool
	webSameAZ       bool
	targetUnhealthy bool
	unhealthyWeb    int // which web server's nginx is down: 1 or 2
	httpOpen        bool
	// ipv6HTTP: the Step-2 web SG also opens port 80 to ::/0 (the console's
	// "Anywhere" source), the handout's "second HTTP rule".
	ipv6HTTP bool
	// openLeftover is the range still open after a MistakeHTTPOpen edit.
	openLeftover string

	at [numEvents]time.Duration // from Start; never when it does not happen
}

// Times are in units of Duration/20: a minute for the default 20-minute
// class. The fastest student takes about 20 units.
const (
	unitsPerDuration = 20
	// finishBy is when every student who finishes has finished, with a
	// margin before 3×Duration for AWS's last transitions.
	finishBy = 2.75 * unitsPerDuration
	quitRate = 0.07
)

type step struct {
	ev      event
	units   float64
	student bool // console work, scaled by speed; else AWS's own time
}

func newPlan(seed int64, login string, duration time.Duration) *plan {
	r := rng{seed: seed, login: login}
	p := &plan{login: login}

	switch u := r.u("speed-class"); {
	case u < 0.3:
		p.speed = r.between("speed", 1.0, 1.25)
	case u < 0.8:
		p.speed = r.between("speed", 1.25, 2.2)
	default:
		p.speed = r.between("speed", 2.2, 3.3)
	}
	p.quits = r.u("quits") < quitRate
	p.replicaSameAZ = r.u("replica-same-az") < 0.2
	p.replicaPublic = r.u("replica-public") < 0.15
	p.webSameAZ = r.u("web-same-az") < 0.2
	p.targetUnhealthy = r.u("target-unhealthy") < 0.2
	p.unhealthyWeb = 1 + int(r.u("unhealthy-web")*2)
	p.httpOpen = r.u("http-open") < 0.25
	p.ipv6HTTP = r.u("ipv6-http") < 0.5
	p.openLeftover = "0.0.0.0/0"
	if p.ipv6HTTP && r.u("open-leftover") < 0.5 {
		p.openLeftover = "::/0"
	}

	var steps []step
	work := func(ev event, units float64) {
		steps = append(steps, step{ev, units * p.speed * r.between("work-"+itoa(int(ev)), 0.8, 1.2), true})
	}
	stuck := func(ev event) {
		steps = append(steps, step{ev, r.between("stuck-"+itoa(int(ev)), 2, 6) * (0.75 + 0.25*p.speed), true})
	}
	aws := func(ev event, units float64) {
		steps = append(steps, step{ev, units * r.between("aws-"+itoa(int(ev)), 0.85, 1.15), false})
	}

	work(evReplicaCreate, 1)
	aws(evReplicaAvail, 3.5)
	switch {
	case p.replicaSameAZ:
		stuck(evReplicaDelete)
		aws(evReplicaGone, 1.5)
		work(evReplica2Create, 0.5)
		aws(evReplica2Avail, 3.5)
	case p.replicaPublic:
		stuck(evReplicaModify)
		aws(evReplicaModified, 1)
	}
	work(evFailoverStart, 1.5)
	aws(evFailoverDone, 0.5)
	work(evAMICreate, 1.5)
	aws(evAMIAvail, 2.5)
	if p.webSameAZ {
		work(evWrongLaunch, 1.5)
		aws(evWrongRunning, 1)
		stuck(evWrongTerminate)
		aws(evWrongTerminated, 0.5)
		work(evWeb2Launch, 1)
	} else {
		work(evWeb2Launch, 1.5)
	}
	aws(evWeb2Running, 1)
	work(evALBCreate, 2)
	aws(evALBActive, 2)
	if p.targetUnhealthy {
		aws(evHealthChecked, 0.5)
		stuck(evNginxFixed)
		aws(evTargetsHealthy, 0.5)
	} else {
		aws(evTargetsHealthy, 0.5)
	}
	work(evIngressEdit, 1)
	if p.httpOpen {
		stuck(evIngressFixed)
	}

	// A slow student with many mistakes is hurried along so that everyone
	// who finishes does so before finishBy.
	var awsUnits, workUnits float64
	for _, s := range steps {
		if s.student {
			workUnits += s.units
		} else {
			awsUnits += s.units
		}
	}
	squeeze := 1.0
	if awsUnits+workUnits > finishBy {
		squeeze = (finishBy - awsUnits) / workUnits
	}

	// A student who gives up stops before one of their console actions;
	// what AWS was already doing still completes.
	quitAt := len(steps)
	if p.quits {
		var actions []int
		for i, s := range steps {
			if s.student {
				actions = append(actions, i)
			}
		}
		quitAt = actions[int(r.u("quit-at")*float64(len(actions)))]
	}

	for i := range p.at {
		p.at[i] = never
	}
	unit := float64(duration) / unitsPerDuration
	var t float64
	for i, s := range steps {
		if i >= quitAt {
			break
		}
		if s.student {
			t += s.units * squeeze
		} else {
			t += s.units
		}
		p.at[s.ev] = time.Duration(t * unit)
	}
	return p
}

// did reports whether ev has happened by d.
func (p *plan) did(ev event, d time.Duration) bool { return p.at[ev] <= d }

// replicaReady is when the replica is available in 1c and private.
func (p *plan) replicaReady() event {
	switch {
	case p.replicaSameAZ:
		return evReplica2Avail
	case p.replicaPublic:
		return evReplicaModified
	}
	return evReplicaAvail
}

// ingressDone is when web-{user} accepts HTTP only from the ALB.
func (p *plan) ingressDone() event {
	if p.httpOpen {
		return evIngressFixed
	}
	return evIngressEdit
}

func (p *plan) stage(d time.Duration) Stage {
	switch {
	case !p.did(evReplicaCreate, d):
		return StageStep2
	case !p.did(p.replicaReady(), d):
		return StageReplica
	case !p.did(evFailoverDone, d):
		return StageFailover
	case !p.did(evAMIAvail, d):
		return StageAMI
	case !p.did(evWeb2Running, d):
		return StageWebServer2
	case !p.did(evTargetsHealthy, d):
		return StageLoadBalancer
	case !p.did(p.ingressDone(), d):
		return StageIngress
	}
	return StageDone
}

func (p *plan) mistakes(d time.Duration) []Mistake {
	var out []Mistake
	if p.replicaSameAZ && p.did(evReplicaCreate, d) && !p.did(evReplicaGone, d) {
		out = append(out, MistakeReplicaSameAZ)
	}
	if p.replicaPublic && p.did(evReplicaCreate, d) && !p.did(evReplicaGone, d) && !p.did(evReplicaModified, d) {
		out = append(out, MistakeReplicaPublic)
	}
	if p.webSameAZ && p.did(evWrongLaunch, d) && !p.did(evWrongTerminate, d) {
		out = append(out, MistakeWebSameAZ)
	}
	if p.targetUnhealthy && p.did(evHealthChecked, d) && !p.did(evTargetsHealthy, d) {
		out = append(out, MistakeTargetUnhealthy)
	}
	if p.httpOpen && p.did(evIngressEdit, d) && !p.did(evIngressFixed, d) {
		out = append(out, MistakeHTTPOpen)
	}
	return out
}

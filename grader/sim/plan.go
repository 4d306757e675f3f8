package sim

import (
	"math"
	"time"
)

// Stage is the step of the handout a student is working on. Each stage
// begins once the previous one is complete, mistakes fixed: a student at
// StageDone passes every required check of Step 3, and one at StageStep2
// every check of Steps 1 and 2. The stages before StageStep2 and after
// StageDone are those of a whole day (Options.WholeDay) only.
type Stage int

const (
	StageNetwork      Stage = iota // morning: VPC, internet gateway, subnets and routes
	StageWebServer1                // key pair, web-{user}, launching web server #1
	StageDatabase                  // DB subnet group, db-{user}, the Aurora cluster
	StageStep2                     // Step 2 done, Step 3 not begun
	StageReplica                   // creating the Aurora replica (in 1c, not public)
	StageFailover                  // replica ready; failing over
	StageAMI                       // failed over; making the AMI of web server #1
	StageWebServer2                // AMI available; launching web server #2 in 1c
	StageLoadBalancer              // #2 running; building the ALB until both targets are healthy
	StageIngress                   // ALB serving; narrowing web-{user} to the ALB's SG
	StageDone                      // every step of Step 3 done
	StageCleanup                   // end of day: deleting what the day built
	StageCleaned                   // deleted all the student will (see the Left mistakes)
)

var stageNames = [...]string{"network", "webserver1", "database", "step2", "replica", "failover", "ami", "webserver2", "loadbalancer", "ingress", "done", "cleanup", "cleaned"}

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

	// The whole day's (Options.WholeDay), in the order of the day.

	// MistakeRouteMissing: the public route table has no route 0.0.0.0/0 to
	// the internet gateway, so no subnet is public until the student adds it.
	MistakeRouteMissing Mistake = "route-missing"
	// MistakeNoPublicIP: web server #1 was launched without a public IP.
	// The student terminates it and launches it again; the terminated
	// instance stays listed.
	MistakeNoPublicIP Mistake = "no-public-ip"
	// MistakeDBOpen: db-{user} opens 3306 to 0.0.0.0/0 instead of to
	// web-{user}, until the student edits it once the cluster is up.
	MistakeDBOpen Mistake = "db-open"
	// MistakeLeftInstance: at the end of the day web server #1 was stopped,
	// not terminated; the VPC, which it still uses, is left too. Never fixed.
	MistakeLeftInstance Mistake = "left-instance"
	// MistakeLeftCluster: at the end of the day the Aurora cluster and its
	// instances were forgotten; the VPC is left too. Never fixed.
	MistakeLeftCluster Mistake = "left-cluster"
)

// DayLabs are the shipped labs a whole day (Options.WholeDay) plays, in
// the day's order.
var DayLabs = []string{"steps-1-2", "step-3", "cleanup"}

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

	// The morning of a whole day. Without Options.WholeDay they happened
	// before the start.
	evVPCCreate         // VPC, its main route table and default SG
	evIGWCreate         // internet gateway, attached nowhere
	evIGWAttach         //
	evSubnets           // the 4 subnets, all on the main route table
	evRoutes            // the public route table, associated with the public subnets
	evRouteFixed        // MistakeRouteMissing: route 0.0.0.0/0 → IGW added
	evKeyPair           //
	evWebSG             // web-{user}: 22 and 80
	evWeb1BadLaunch     // MistakeNoPublicIP: #1 "pending" without a public IP
	evWeb1BadRunning    //
	evWeb1BadTerminate  // "shutting-down"
	evWeb1BadTerminated // "terminated"
	evWeb1Launch        // #1 "pending"
	evWeb1Running       //
	evDBSubnetGroup     //
	evDBSG              // db-{user}: 3306 from web-{user} (or the world)
	evClusterCreate     // cluster and writer "creating"
	evClusterAvail      // cluster "available"
	evWriterAvail       // writer "available"
	evDBSGFixed         // MistakeDBOpen: 3306 from web-{user} only

	// The end of a whole day; never without Options.WholeDay.
	evDeleteALB  // load balancer, listener and target group gone
	evTerminate  // instances "shutting-down" (or the left one "stopping")
	evTerminated // "terminated" (or "stopped")
	evDeleteDB   // DB instances and cluster "deleting"
	evDBGone     // gone
	evDeregister // image gone
	evDeleteVPC  // DB subnet group, key pair, SGs, subnets, routes, IGW, VPC gone
	evCleanedUp  // the student is done
	numEvents
)

// beforeStart is when the morning happened in a class that is not a
// whole day: before the start, whatever the moment asked.
const beforeStart = time.Duration(-1)

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

	// A whole day's only (Options.WholeDay).
	wholeDay     bool
	routeMissing bool
	noPublicIP   bool
	dbOpen       bool
	leftInstance bool
	leftCluster  bool

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

	// A whole day: the morning takes as long as Step 3 (3×Duration, every
	// student done by finishBy), then Step 3 does, then the end of the day
	// takes 1×Duration, every student done by cleanupBy.
	partUnits = 3 * unitsPerDuration
	cleanupBy = 0.9 * unitsPerDuration
)

type step struct {
	ev      event
	units   float64
	student bool // console work, scaled by speed; else AWS's own time
}

func newPlan(seed int64, login string, duration time.Duration, wholeDay bool) *plan {
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

	for i := range p.at {
		p.at[i] = never
	}
	unit := float64(duration) / unitsPerDuration
	var afternoon time.Duration
	if wholeDay {
		afternoon = time.Duration(partUnits * unit)
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
	p.place(steps[:quitAt], squeeze(steps, finishBy), afternoon, unit)

	if !wholeDay {
		for ev := evVPCCreate; ev < evDeleteALB; ev++ {
			p.at[ev] = beforeStart
		}
		return p
	}
	p.wholeDay = true
	p.routeMissing = r.u("route-missing") < 0.15
	p.noPublicIP = r.u("no-public-ip") < 0.15
	p.dbOpen = r.u("db-open") < 0.15
	p.leftInstance = r.u("left-instance") < 0.08
	p.leftCluster = r.u("left-cluster") < 0.08

	steps = steps[:0]
	work(evVPCCreate, 2)
	work(evIGWCreate, 1)
	work(evIGWAttach, 0.5)
	work(evSubnets, 2.5)
	work(evRoutes, 2)
	if p.routeMissing {
		stuck(evRouteFixed)
	}
	work(evKeyPair, 1)
	work(evWebSG, 1.5)
	if p.noPublicIP {
		work(evWeb1BadLaunch, 2)
		aws(evWeb1BadRunning, 1)
		stuck(evWeb1BadTerminate)
		aws(evWeb1BadTerminated, 0.5)
		work(evWeb1Launch, 1.5)
	} else {
		work(evWeb1Launch, 2)
	}
	aws(evWeb1Running, 1)
	work(evDBSubnetGroup, 1.5)
	work(evDBSG, 1)
	work(evClusterCreate, 2.5)
	aws(evClusterAvail, 4)
	aws(evWriterAvail, 1.5)
	if p.dbOpen {
		stuck(evDBSGFixed)
	}
	p.place(steps, squeeze(steps, finishBy), 0, unit)

	steps = steps[:0]
	work(evDeleteALB, 1)
	work(evTerminate, 1)
	aws(evTerminated, 1)
	if !p.leftCluster {
		work(evDeleteDB, 1.5)
		aws(evDBGone, 2.5)
	}
	work(evDeregister, 1)
	if !p.leftCluster && !p.leftInstance {
		work(evDeleteVPC, 1.5)
	}
	aws(evCleanedUp, 0)
	p.place(steps, squeeze(steps, cleanupBy), 2*afternoon, unit)
	return p
}

// squeeze is how much a slow student with many mistakes is hurried along
// so that steps end by budget units: 1 when they do anyway.
func squeeze(steps []step, budget float64) float64 {
	var awsUnits, workUnits float64
	for _, s := range steps {
		if s.student {
			workUnits += s.units
		} else {
			awsUnits += s.units
		}
	}
	if awsUnits+workUnits > budget {
		return (budget - awsUnits) / workUnits
	}
	return 1.0
}

// place sets the time of each of steps, one after the other from base,
// console work hurried by squeeze.
func (p *plan) place(steps []step, squeeze float64, base time.Duration, unit float64) {
	var t float64
	for _, s := range steps {
		if s.student {
			t += s.units * squeeze
		} else {
			t += s.units
		}
		p.at[s.ev] = base + time.Duration(t*unit)
	}
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

// morningDone is when Steps 1 and 2 are complete, mistakes fixed.
func (p *plan) morningDone() event {
	if p.dbOpen {
		return evDBSGFixed
	}
	return evWriterAvail
}

func (p *plan) stage(d time.Duration) Stage {
	switch {
	case p.did(evCleanedUp, d):
		return StageCleaned
	case p.did(evDeleteALB, d):
		return StageCleanup
	case !p.did(evRoutes, d) || p.routeMissing && !p.did(evRouteFixed, d):
		return StageNetwork
	case !p.did(evWeb1Running, d):
		return StageWebServer1
	case !p.did(p.morningDone(), d):
		return StageDatabase
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
	if p.routeMissing && p.did(evRoutes, d) && !p.did(evRouteFixed, d) {
		out = append(out, MistakeRouteMissing)
	}
	if p.noPublicIP && p.did(evWeb1BadLaunch, d) && !p.did(evWeb1BadTerminate, d) {
		out = append(out, MistakeNoPublicIP)
	}
	if p.dbOpen && p.did(evDBSG, d) && !p.did(evDBSGFixed, d) {
		out = append(out, MistakeDBOpen)
	}
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
	if p.leftInstance && p.did(evCleanedUp, d) {
		out = append(out, MistakeLeftInstance)
	}
	if p.leftCluster && p.did(evCleanedUp, d) {
		out = append(out, MistakeLeftCluster)
	}
	return out
}

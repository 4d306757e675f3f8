package grader

import (
	"fmt"
	"testing"
)

// BenchmarkEvaluateClass is the target: 200 students evaluated over
// one snapshot holding all 200 environments (a shared account), reported
// per student. Each iteration starts from an unindexed snapshot, so the
// figure includes building the lookups once per scan.
func BenchmarkEvaluateClass(b *testing.B) {
	const n = 200
	logins := make([]string, n)
	students := make([]Student, n)
	for i := range logins {
		logins[i] = fmt.Sprintf("user%03d", i+1)
		students[i] = student(logins[i])
	}
	base := classSnapshot(logins...)
	r := DefaultRubric()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		snap := unindexedCopy(base)
		for _, st := range students {
			if rep := Evaluate(r, snap, st, Memory{}); rep.Score != rep.MaxScore {
				b.Fatalf("%s: %d/%d", st.Login, rep.Score, rep.MaxScore)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/student")
}

// unindexedCopy shares the slices of s but not its index.
func unindexedCopy(s *Snapshot) *Snapshot {
	return &Snapshot{
		Target: s.Target, TakenAt: s.TakenAt, AWSCalls: s.AWSCalls,
		VPCs: s.VPCs, Subnets: s.Subnets, RouteTables: s.RouteTables, InternetGateways: s.InternetGateways,
		Instances: s.Instances, Images: s.Images, SecurityGroups: s.SecurityGroups,
		LoadBalancers: s.LoadBalancers, Listeners: s.Listeners, TargetGroups: s.TargetGroups,
		DBSubnetGroups: s.DBSubnetGroups, DBClusters: s.DBClusters, DBInstances: s.DBInstances, RDSEvents: s.RDSEvents,
	}
}

// BenchmarkEvaluateEmptyAccount is the other end: 200 students with nothing
// built, so every check fails and every hint is written.
func BenchmarkEvaluateEmptyAccount(b *testing.B) {
	r := DefaultRubric()
	snap := &Snapshot{TakenAt: fixtureTime}
	students := make([]Student, 200)
	for i := range students {
		students[i] = student(fmt.Sprintf("user%03d", i+1))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, st := range students {
			if rep := Evaluate(r, snap, st, Memory{}); rep.Score != 0 {
				b.Fatal("an empty account scored")
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(students)), "ns/student")
}

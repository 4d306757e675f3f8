package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"
)

// rng draws a student's choices. Each draw hashes its own label, so adding
// a draw never changes the others, and nothing depends on the Go release's
// random number generators.
type rng struct {
	seed  int64
	login string
}

// u is uniform in [0, 1).
func (r rng) u(label string) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(r.seed))
	h.Write(b[:])
	h.Write([]byte(r.login))
	h.Write([]byte{0})
	h.Write([]byte(label))
	return float64(splitmix(h.Sum64())>>11) / (1 << 53)
}

func (r rng) between(label string, lo, hi float64) float64 {
	return lo + (hi-lo)*r.u(label)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func itoa(n int) string { return strconv.Itoa(n) }

// digest is the hash every resource id is cut from: the account, region,
// student and kind of resource, so ids are stable and differ between
// students.
func digest(parts ...string) [32]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// accountIDs makes the ids of one account and region.
type accountIDs struct {
	account, region string
}

func newAccountIDs(account, region string) accountIDs {
	return accountIDs{account: account, region: region}
}

// hexOf is n lowercase hex digits for (owner, kind).
func (a accountIDs) hexOf(n int, owner, kind string) string {
	d := digest(a.account, a.region, owner, kind)
	return hex.EncodeToString(d[:])[:n]
}

// ec2ID is an EC2-style id such as "vpc-0a1b2c3d4e5f60718" (17 hex digits).
func (a accountIDs) ec2ID(prefix, owner, kind string) string {
	return prefix + "-0" + a.hexOf(16, owner, kind)
}

// number is a deterministic number in [0, n) for (owner, kind).
func (a accountIDs) number(n uint64, owner, kind string) uint64 {
	d := digest(a.account, a.region, owner, kind)
	return binary.BigEndian.Uint64(d[:8]) % n
}

func (a accountIDs) lbARN(login string) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/elb-%s/%s", a.region, a.account, login, a.hexOf(16, login, "lb"))
}

func (a accountIDs) listenerARN(login string) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:listener/app/elb-%s/%s/%s", a.region, a.account, login, a.hexOf(16, login, "lb"), a.hexOf(16, login, "listener"))
}

func (a accountIDs) tgARN(login string) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/tg-elb-%s/%s", a.region, a.account, login, a.hexOf(16, login, "tg"))
}

func (a accountIDs) lbDNS(login string) string {
	return fmt.Sprintf("elb-%s-%d.%s.elb.amazonaws.com", login, 100000000+a.number(1900000000, login, "lb-dns"), a.region)
}

// rdsSuffix is the account-and-region part of every RDS endpoint, such as
// the handout's "cenae7eyijpr".
func (a accountIDs) rdsSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	d := digest(a.account, a.region, "rds-endpoint")
	out := make([]byte, 12)
	for i := range out {
		out[i] = alphabet[int(d[i])%len(alphabet)]
	}
	return string(out)
}

func (a accountIDs) clusterARN(cluster string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", a.region, a.account, cluster)
}

// publicIP is an address in one of AWS's Tokyo ranges (13.112.0.0/14).
func (a accountIDs) publicIP(owner, kind string) string {
	n := a.number(1<<18, owner, kind)
	return fmt.Sprintf("13.%d.%d.%d", 112+n>>16, (n>>8)&0xff, 1+(n&0xff)%254)
}

// privateIP is a host address of a /24 such as "10.0.1.0/24".
func (a accountIDs) privateIP(prefix, owner, kind string) string {
	return fmt.Sprintf("%s.%d", prefix, 4+a.number(250, owner, kind))
}

package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// holds records the sign-in attempts held back (Options.sleep) and lets
// them go at once, advancing the test's clock when advance is set.
type holds struct {
	mu      sync.Mutex
	waits   []time.Duration
	clock   *clock
	advance bool
}

func (h *holds) sleep(_ context.Context, d time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.waits = append(h.waits, d)
	if h.advance && h.clock != nil {
		h.clock.Advance(d)
	}
	return nil
}

func (h *holds) list() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.waits...)
}

// setupHeld is setup with sign-in attempts held by holds.
func setupHeld(t *testing.T, advance bool, tweak ...func(*Options)) (*testEnv, *holds) {
	h := &holds{advance: advance}
	e := setup(t, append(tweak, func(o *Options) { o.sleep = h.sleep })...)
	h.mu.Lock()
	h.clock = e.clock
	h.mu.Unlock()
	return e, h
}

func (e *testEnv) tryPassword(c *http.Client, password string, headers ...string) int {
	e.t.Helper()
	resp, _ := e.do(c, "POST", "/login", url.Values{"password": {password}}, headers...)
	return resp.StatusCode
}

// Wrong passwords past the limit do not lock the instructor out: the
// right one, sent next from the same address, signs in once its turn
// comes (held back on the server, not refused).
func TestLoginAfterWrongPasswords(t *testing.T) {
	t.Parallel()
	e, h := setupHeld(t, true)
	for i := range loginBurst + 2 {
		if code := e.tryPassword(e.client, "guess"+strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i, code)
		}
	}
	if code := e.tryPassword(e.client, testPassword); code != http.StatusSeeOther {
		t.Fatalf("right password after %d wrong ones: %d, want 303", loginBurst+2, code)
	}
	// The tries past the burst were each held for their turn.
	if got := h.list(); len(got) != 3 || got[0] != loginEvery || got[1] != loginEvery || got[2] != loginEvery {
		t.Errorf("held %v, want three of %v", got, loginEvery)
	}
	if resp, _ := e.get("/classes/" + e.class.Name); resp.StatusCode != http.StatusOK {
		t.Errorf("signed in: grid %d", resp.StatusCode)
	}
}

// Guessing stays slow whatever the answers: a burst of tries judges
// loginBurst passwords at once and then one per loginEvery, each held for
// its turn; past loginHold of waiting, a try is refused without being
// judged, the right password included.
func TestLoginGuessingStaysSlow(t *testing.T) {
	t.Parallel()
	e, h := setupHeld(t, false) // the clock stands still: the tries come at once
	var judged, refused int
	for i := range 20 {
		switch code := e.tryPassword(e.client, "guess"+strconv.Itoa(i)); code {
		case http.StatusUnauthorized:
			judged++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("try %d: %d", i, code)
		}
	}
	held := int(loginHold / loginEvery)
	if judged != loginBurst+held || refused != 20-judged {
		t.Errorf("20 tries at once: %d judged, %d refused; want %d judged", judged, refused, loginBurst+held)
	}
	for i, d := range h.list() {
		if want := time.Duration(i+1) * loginEvery; d != want {
			t.Errorf("held try %d: %v, want %v (its turn)", i, d, want)
		}
	}
	resp, body := e.do(e.client, "POST", "/login", url.Values{"password": {testPassword}}, "Accept-Language", "en")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `id="login-error"`) {
		t.Errorf("right password with the queue full: %d, Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	e.clock.Advance(time.Duration(held+1) * loginEvery)
	if code := e.tryPassword(e.client, testPassword); code != http.StatusSeeOther {
		t.Errorf("right password after waiting: %d, want 303", code)
	}
}

// A browser that signed in before has its own allowance (a signed cookie
// on /login): someone guessing from the same address cannot hold it up.
func TestLoginKnownBrowser(t *testing.T) {
	t.Parallel()
	e, h := setupHeld(t, false)
	e.signIn()
	e.do(e.client, "POST", "/logout", nil)

	attacker := e.newClient()
	for i := range 20 {
		e.tryPassword(attacker, "guess"+strconv.Itoa(i))
	}
	if code := e.tryPassword(attacker, testPassword); code != http.StatusTooManyRequests {
		t.Fatalf("the attacker's address is not limited: %d", code)
	}
	waits := len(h.list())
	if code := e.tryPassword(e.client, testPassword); code != http.StatusSeeOther {
		t.Errorf("known browser: %d, want 303", code)
	}
	if len(h.list()) != waits {
		t.Errorf("known browser held: %v", h.list()[waits:])
	}
	// A forged or altered cookie is no known browser.
	u, _ := url.Parse(e.url + "/login")
	forged := e.newClient()
	var found bool
	for _, c := range e.client.Jar.Cookies(u) {
		if c.Name == deviceCookie {
			found = true
			c.Value = "AAAAAAAAAAAAAAAAAAAAAA" + c.Value[22:]
			forged.Jar.SetCookies(u, []*http.Cookie{c})
		}
	}
	if !found {
		t.Fatal("no browser cookie after signing in")
	}
	if code := e.tryPassword(forged, testPassword); code != http.StatusTooManyRequests {
		t.Errorf("forged browser cookie: %d, want 429", code)
	}
}

// X-Forwarded-For names the client only when the peer is a trusted proxy,
// and then its rightmost address that is not a proxy.
func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("fd00::/8")}
	for _, c := range []struct {
		remote, xff, want string
	}{
		{"203.0.113.5:4000", "", "203.0.113.5"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"}, // untrusted peer: ignored
		{"10.1.2.3:4000", "", "10.1.2.3"},
		{"10.1.2.3:4000", "198.51.100.1", "198.51.100.1"},
		{"10.1.2.3:4000", "1.1.1.1, 198.51.100.1", "198.51.100.1"},            // leftmost is the client's to forge
		{"10.1.2.3:4000", "1.1.1.1, 198.51.100.1, 192.0.2.7", "198.51.100.1"}, // a proxy chain
		{"10.1.2.3:4000", "198.51.100.1, 10.9.9.9", "198.51.100.1"},
		{"10.1.2.3:4000", "10.8.8.8, 10.9.9.9", "10.8.8.8"}, // all proxies: the farthest
		{"10.1.2.3:4000", "garbage", "10.1.2.3"},
		{"[fd00::1]:4000", "2001:db8::1", "2001:db8::1"},
		{"[::ffff:10.1.2.3]:4000", "198.51.100.1", "198.51.100.1"},
	} {
		r := httptest.NewRequest("POST", "/login", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := clientAddr(r, trusted); got.String() != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.remote, c.xff, got, c.want)
		}
		if got := clientAddr(r, nil).String(); got != netip.MustParseAddrPort(c.remote).Addr().Unmap().String() {
			t.Errorf("no trusted proxy: peer %s, X-Forwarded-For %q: %s", c.remote, c.xff, got)
		}
	}
}

// Behind a trusted proxy every client has its own limit: one guessing
// does not hold another back. From an untrusted peer, X-Forwarded-For
// changes nothing.
func TestLoginBehindProxy(t *testing.T) {
	t.Parallel()
	e, _ := setupHeld(t, false, func(o *Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	for i := range 20 {
		e.tryPassword(e.newClient(), "guess"+strconv.Itoa(i), "X-Forwarded-For", "198.51.100.66")
	}
	if code := e.tryPassword(e.newClient(), testPassword, "X-Forwarded-For", "198.51.100.66"); code != http.StatusTooManyRequests {
		t.Errorf("the guessing client: %d, want 429", code)
	}
	if code := e.tryPassword(e.newClient(), testPassword, "X-Forwarded-For", "198.51.100.1"); code != http.StatusSeeOther {
		t.Errorf("another client behind the proxy: %d, want 303", code)
	}

	e, _ = setupHeld(t, false) // no trusted proxy
	for i := range 20 {
		e.tryPassword(e.newClient(), "guess"+strconv.Itoa(i), "X-Forwarded-For", "198.51.100."+strconv.Itoa(i))
	}
	if code := e.tryPassword(e.newClient(), testPassword, "X-Forwarded-For", "198.51.100.99"); code != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For from an untrusted peer changed the limit: %d, want 429", code)
	}
}

// At most maxHeldLogins attempts are held at once, all clients together:
// one more past them is refused at once, without being judged.
func TestLoginHeldAttemptsBounded(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	e := setup(t, func(o *Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		o.sleep = func(ctx context.Context, d time.Duration) error {
			entered <- struct{}{}
			<-release
			return nil
		}
	})
	perClient := int(loginHold / loginEvery) // held tries a client may have
	clients := maxHeldLogins/perClient + 1
	from := func(i int) []string { return []string{"X-Forwarded-For", "198.51.100." + strconv.Itoa(i)} }
	for i := range clients {
		for range loginBurst {
			if code := e.tryPassword(e.client, "guess", from(i)...); code != http.StatusUnauthorized {
				t.Fatalf("client %d within its burst: %d, want 401", i, code)
			}
		}
	}
	var wg sync.WaitGroup
	codes := make(chan int, maxHeldLogins)
	for n := range maxHeldLogins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- e.tryPassword(e.client, "guess", from(n/perClient)...)
		}()
		<-entered
	}
	last := make(chan int, 1)
	go func() { last <- e.tryPassword(e.client, testPassword, from(clients-1)...) }()
	select {
	case code := <-last:
		if code != http.StatusTooManyRequests {
			t.Errorf("attempt %d with %d held: %d, want 429", maxHeldLogins+1, maxHeldLogins, code)
		}
	case <-entered:
		t.Errorf("attempt %d held with %d held already", maxHeldLogins+1, maxHeldLogins)
		defer func() { <-last }()
	}
	close(release)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusUnauthorized {
			t.Errorf("a held attempt: %d, want 401 once its turn came", code)
		}
	}
}

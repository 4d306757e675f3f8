package web

import (
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/alexedwards/scs/v2"
)

// hashedStore keeps each session under the SHA-256 of its token, so that
// a read of the sessions table (a backup, a replica, an injection) yields
// no cookie that signs in. The token is 32 random bytes: a plain hash is
// enough, there is nothing to guess.
//
// It is not an scs.IterableStore: the table holds no token to give back.
type hashedStore struct{ store scs.Store }

// sessionKeyOf is the key a session's token is stored under.
func sessionKeyOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (h hashedStore) Find(token string) ([]byte, bool, error) {
	return h.store.Find(sessionKeyOf(token))
}

func (h hashedStore) Commit(token string, b []byte, expiry time.Time) error {
	return h.store.Commit(sessionKeyOf(token), b, expiry)
}

func (h hashedStore) Delete(token string) error {
	return h.store.Delete(sessionKeyOf(token))
}

// Package auth holds aomas's identities: local accounts with argon2id passwords and lockout,
// browser sessions with CSRF protection, personal API tokens scoped to a project, and rate
// limits for logins and mutations. What an identity may do is package rbac's question.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost settings.
type Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32
	Threads   uint8
	SaltLen   int
	KeyLen    uint32
}

// DefaultParams follow RFC 9106's second recommendation (64 MiB, 3 passes); a login costs
// tens of milliseconds, an offline guess as much.
func DefaultParams() Params {
	return Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// Password length limits: long enough to resist guessing, short enough that hashing a
// megabyte "password" is not a denial of service.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// ErrWeakPassword reports a password outside the length limits.
var ErrWeakPassword = fmt.Errorf("password must be %d to %d characters", MinPasswordLen, MaxPasswordLen)

// errBadHash reports a stored hash that is not one of ours.
var errBadHash = errors.New("stored password hash is not an argon2id hash")

// CheckPassword reports whether password meets the length limits.
func CheckPassword(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLen || len(password) > MaxPasswordLen {
		return ErrWeakPassword
	}
	return nil
}

// HashPassword returns password's argon2id hash in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) with a fresh random salt.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches encoded, using the cost settings stored
// in encoded and a constant-time comparison.
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with weaker settings than p.
func NeedsRehash(encoded string, p Params) bool {
	old, _, _, err := decodeHash(encoded)
	return err != nil || old.Time < p.Time || old.MemoryKiB < p.MemoryKiB
}

func decodeHash(encoded string) (Params, []byte, []byte, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, errBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, errBadHash
	}
	// Bounds keep a tampered row from making a login allocate gigabytes.
	if p.Time == 0 || p.Time > 64 || p.MemoryKiB < 8 || p.MemoryKiB > 1<<21 || p.Threads == 0 {
		return Params{}, nil, nil, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return Params{}, nil, nil, errBadHash
	}
	p.SaltLen = len(salt)
	p.KeyLen = uint32(len(key))
	return p, salt, key, nil
}

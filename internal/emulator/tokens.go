package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
)

const (
	// tokenPrefix starts every service-account token this emulator issues.
	tokenPrefix = "pst_"
	// tokenRandomLength is how many base62 characters follow the prefix.
	tokenRandomLength = 40
	base62Alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// tokenHash is the SHA-256 of a token; the store keeps only these, never a live token.
type tokenHash [sha256.Size]byte

func hashToken(token string) tokenHash { return sha256.Sum256([]byte(token)) }

// newToken returns a fresh opaque token: the prefix and 40 uniformly random base62
// characters from crypto/rand.
func newToken() string {
	var b strings.Builder
	b.Grow(len(tokenPrefix) + tokenRandomLength)
	b.WriteString(tokenPrefix)
	buf := make([]byte, 64)
	for b.Len() < len(tokenPrefix)+tokenRandomLength {
		_, _ = rand.Read(buf) // never fails on supported platforms
		for _, c := range buf {
			// 248 = 4*62: rejecting larger bytes keeps every character equally likely.
			if c >= 248 || b.Len() == len(tokenPrefix)+tokenRandomLength {
				continue
			}
			b.WriteByte(base62Alphabet[c%62])
		}
	}
	return b.String()
}

// newUUID returns a random (version 4) UUID in canonical lowercase form.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// parseUUID reports whether s is a UUID in the canonical 8-4-4-4-12 hexadecimal form
// (either case) and returns it in lowercase.
func parseUUID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !isHex(c) {
				return "", false
			}
		}
	}
	return strings.ToLower(s), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

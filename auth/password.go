package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"luoshi"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are the parameters for a 2-core server: 64 MiB, 2 passes,
// 2 lanes (about 50–100 ms a hash there; see BenchmarkHashPassword). With
// a Hasher allowing 2 hashes at a time, logins take at most 128 MiB.
func DefaultParams() Params {
	return Params{Memory: 64 * 1024, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters read from a stored hash, so that a corrupt or
// hostile row cannot make a check take gigabytes or minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 32
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// Password limits.
const (
	MinPasswordChars = 10
	MaxPasswordBytes = 1024
)

// ErrMalformedHash is matched by CheckPassword's error for a stored hash it
// cannot read.
var ErrMalformedHash = errors.New("auth: malformed password hash")

func (p Params) validate() error {
	switch {
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB out of range", p.Memory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of range", p.Time)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d out of range", p.SaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d out of range", p.KeyLen)
	}
	return nil
}

// HashPassword returns the argon2id hash of password with a fresh random
// salt, in the PHC string format
//
//	$argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>
//
// (salt and hash in unpadded standard base64). The password is normalized
// to Unicode NFC first, so that the same characters typed through different
// input methods match. It does not judge the password: see ValidatePassword.
func HashPassword(password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("auth: argon2 parameters: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encode(p, salt, key), nil
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode reads a PHC argon2id string.
func decode(encoded string) (Params, []byte, []byte, error) {
	bad := func(what string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	if len(encoded) > 512 {
		return bad("too long")
	}
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" {
		return bad("not $argon2id$v=…$m=…,t=…,p=…$salt$hash")
	}
	if f[1] != "argon2id" {
		return bad("algorithm " + strconv.Quote(f[1]))
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("version " + strconv.Quote(f[2]))
	}
	var p Params
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return bad("parameters")
	}
	for i, name := range []string{"m", "t", "p"} {
		k, v, ok := strings.Cut(kv[i], "=")
		if !ok || k != name || v == "" || (len(v) > 1 && v[0] == '0') {
			return bad("parameter " + strconv.Quote(kv[i]))
		}
		bits := 32
		if name == "p" {
			bits = 8
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			return bad("parameter " + strconv.Quote(kv[i]))
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			p.Threads = uint8(n)
		}
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(f[4])
	if err != nil {
		return bad("salt")
	}
	key, err := b64.DecodeString(f[5])
	if err != nil {
		return bad("hash")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return bad(err.Error())
	}
	return p, salt, key, nil
}

// CheckPassword reports whether password matches the hash encoded (as
// HashPassword writes it), comparing in constant time. A malformed hash is
// an error matching ErrMalformedHash; a password longer than
// MaxPasswordBytes never matches.
func CheckPassword(encoded, password string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than
// p (or cannot be read), so that a successful login should store a new
// hash.
func NeedsRehash(encoded string, p Params) bool {
	q, _, _, err := decode(encoded)
	return err != nil || q != p
}

// Hasher hashes and checks passwords with fixed parameters, a bounded
// number at a time so that a burst of logins cannot exhaust memory (each
// hash holds Params.Memory).
type Hasher struct {
	params    Params
	slots     chan struct{}
	dummyOnce sync.Once
	dummy     string
}

// NewHasher returns a Hasher with parameters p allowing at most concurrent
// hashes at once (1 when less).
func NewHasher(p Params, concurrent int) (*Hasher, error) {
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("auth: argon2 parameters: %w", err)
	}
	return &Hasher{params: p, slots: make(chan struct{}, max(concurrent, 1))}, nil
}

// Params returns the hasher's parameters.
func (h *Hasher) Params() Params { return h.params }

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting to hash: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash is HashPassword with the hasher's parameters, waiting for a slot.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return HashPassword(password, h.params)
}

// Check is CheckPassword, waiting for a slot. An empty encoded (an account
// that does not exist, or has no password) is checked against a dummy hash
// with the same cost and never matches, so that the answer takes as long
// either way and does not tell which accounts exist.
func (h *Hasher) Check(ctx context.Context, encoded, password string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if encoded == "" {
		h.dummyOnce.Do(func() { h.dummy, _ = HashPassword("luoshi dummy password", h.params) })
		CheckPassword(h.dummy, password)
		return false, nil
	}
	return CheckPassword(encoded, password)
}

// commonPasswords are refused whatever their length: the most used
// passwords of at least 10 characters in Chinese and international leaks,
// and the ones a government office would think of. Compared in lower case.
const commonPasswords = `
		1234567890 0123456789 12345678910 0987654321 1234512345 1111111111 0000000000
		1122334455 1234567890a a123456789 a1234567890 abc1234567 abcd123456 abcde12345
		qwertyuiop qwerty1234 qwerty123456 1q2w3e4r5t 1qaz2wsx3edc 1qaz@wsx3edc qazwsxedcrfv
		password12 password123 password1234 passw0rd123 p@ssw0rd123 p@ssword123 iloveyou12
		woaini1314 woaini5200 5201314520 1314520520 5201314521 aa123456789 asd1234567
		zxcvbnm123 zxcvbnm1234 asdfghjkl1 asdfghjkl123 admin12345 admin123456 administrator
		root123456 abc123456789 a12345678910 88888888888 66666666666 147258369a 1472583690
		9876543210 1357924680 123456789a 123456789q 123456789abc 11223344556 12344321aa
		luoshi2025 luoshi12345 dcs1234567 dcs123456789 admin@1234 admin@123456 admin@12345
		sichuan123 sichuan2025 chengdu123 chengdu2025 zhengfu123 zfgzbg2025 welcome123
		changeme123 letmein123 test123456 test1234567 guest12345 user123456 gov1234567
`

// isCommon reports whether the lower-cased password s is on the list.
func isCommon(s string) bool {
	for _, f := range strings.Fields(commonPasswords) {
		if f == s {
			return true
		}
	}
	return false
}

// ValidatePassword checks a new password for account: at least
// MinPasswordChars characters, at most MaxPasswordBytes bytes, valid text
// without control characters, not on the built-in list of common passwords,
// not made of the account name or of fewer than 4 distinct characters. The
// error is a luoshi.Error (EInvalid) with a message for the user.
func ValidatePassword(password, account string) error {
	invalid := func(msg string) error { return &luoshi.Error{Code: luoshi.EInvalid, Message: msg} }
	if len(password) > MaxPasswordBytes {
		return invalid(fmt.Sprintf("密码过长（不能超过 %d 字节）", MaxPasswordBytes))
	}
	if !utf8.ValidString(password) {
		return invalid("密码含有无效字符")
	}
	for _, r := range password {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return invalid("密码不能含有控制字符")
		}
	}
	password = norm.NFC.String(password)
	if n := utf8.RuneCountInString(password); n < MinPasswordChars {
		return invalid(fmt.Sprintf("密码至少需要 %d 个字符（当前 %d 个）", MinPasswordChars, n))
	}
	lower := strings.ToLower(password)
	if isCommon(lower) {
		return invalid("这个密码过于常见，容易被猜中，请换一个")
	}
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	if len(distinct) < 4 {
		return invalid("密码过于简单（不同字符太少），请换一个")
	}
	if a := strings.ToLower(strings.TrimSpace(account)); utf8.RuneCountInString(a) >= 3 && strings.Contains(lower, a) {
		return invalid("密码不能包含账号名")
	}
	return nil
}

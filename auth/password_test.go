package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"luoshi"
)

// cheap are parameters fast enough for many tests; DefaultParams are
// exercised separately.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=[1-9][0-9]*,t=[1-9][0-9]*,p=[1-9][0-9]*\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPasswordDefault(t *testing.T) {
	h, err := HashPassword("蜀道难，难于上青天2025", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if !phc.MatchString(h) || !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash %q is not the expected PHC string", h)
	}
	if ok, err := CheckPassword(h, "蜀道难，难于上青天2025"); !ok || err != nil {
		t.Fatalf("right password: %v, %v", ok, err)
	}
	if ok, err := CheckPassword(h, "蜀道难，难于上青天2024"); ok || err != nil {
		t.Fatalf("wrong password: %v, %v", ok, err)
	}
	if NeedsRehash(h, DefaultParams()) || !NeedsRehash(h, cheap) || !NeedsRehash("garbage", cheap) {
		t.Fatal("NeedsRehash")
	}
}

func TestPasswordRoundTrip(t *testing.T) {
	cases := []struct {
		name, pw, other string
	}{
		{"ascii", "correct horse battery", "correct horse batterY"},
		{"empty", "", " "},
		{"NUL inside", "abc\x00def", "abc"},
		{"NUL only", "\x00", ""},
		{"chinese", "四川省人民政府督查室", "四川省人民政府督察室"},
		{"emoji", "🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑", "🔑🔑🔑🔑🔑🔑🔑🔑🔑"},
		{"invalid utf8", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf5"},
		{"max length", strings.Repeat("a", MaxPasswordBytes), strings.Repeat("a", MaxPasswordBytes-1)},
		{"trailing space", "password with space ", "password with space"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HashPassword(tc.pw, cheap)
			if err != nil {
				t.Fatal(err)
			}
			h2, _ := HashPassword(tc.pw, cheap)
			if h == h2 {
				t.Fatal("two hashes of one password are equal: no salt?")
			}
			if ok, err := CheckPassword(h, tc.pw); !ok || err != nil {
				t.Fatalf("own password refused: %v, %v", ok, err)
			}
			if ok, err := CheckPassword(h, tc.other); ok || err != nil {
				t.Fatalf("other password %q accepted: %v, %v", tc.other, ok, err)
			}
		})
	}
}

func TestPasswordNFC(t *testing.T) {
	composed, decomposed := "caf\u00e9 au lait 2025", "cafe\u0301 au lait 2025"
	h, err := HashPassword(composed, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := CheckPassword(h, decomposed); !ok {
		t.Fatal("the decomposed form of the same text does not match")
	}
}

func TestPasswordHuge(t *testing.T) {
	huge := strings.Repeat("密", 1<<20/3+1) // over 1 MB
	h, err := HashPassword("a reasonable password", cheap)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if ok, err := CheckPassword(h, huge); ok || err != nil {
		t.Fatalf("1 MB password: %v, %v", ok, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("checking a 1 MB password took %v", d)
	}
	if err := ValidatePassword(huge, "admin"); luoshi.ErrorCode(err) != luoshi.EInvalid {
		t.Fatalf("ValidatePassword(1 MB) = %v", err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, err := HashPassword("x", cheap)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	bad := []string{
		"",
		"$",
		"$argon2id$",
		"argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$bcrypt$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=7,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=2097152,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=9$" + salt + "$" + key, // memory below 8 per lane
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,x=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "=",
		"$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key, // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$a2V5",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$extra",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 1000),
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "\x00$" + key,
	}
	for _, h := range bad {
		ok, err := CheckPassword(h, "x")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("CheckPassword(%q) = %v, %v; want ErrMalformedHash", h, ok, err)
		}
	}
	if ok, err := CheckPassword(good, "x"); !ok || err != nil {
		t.Fatalf("good hash: %v, %v", ok, err)
	}
}

func TestHashPasswordBadParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 4, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 1 << 30, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		if _, err := HashPassword("x", p); err == nil {
			t.Errorf("HashPassword with %+v accepted", p)
		}
		if _, err := NewHasher(p, 1); err == nil {
			t.Errorf("NewHasher with %+v accepted", p)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		pw, account string
		ok          bool
		msg         string
	}{
		{"", "zhangsan", false, "至少需要 10 个字符"},
		{"short1", "zhangsan", false, "至少需要 10 个字符（当前 6 个）"},
		{"九个汉字的密码不够长", "zhangsan", true, ""}, // 10 characters, 30 bytes
		{"九个汉字的密码不够", "zhangsan", false, "至少需要 10 个字符"},
		{"1234567890", "zhangsan", false, "过于常见"},
		{"Password123", "zhangsan", false, "过于常见"},
		{"WOAINI1314", "zhangsan", false, "过于常见"},
		{"aaaaaaaaaaaa", "zhangsan", false, "过于简单"},
		{"abababababab", "zhangsan", false, "过于简单"},
		{"zhangsan-2025!", "zhangsan", false, "账号名"},
		{"ZhangSan-2025!", "zhangsan", false, "账号名"},
		{"pass\x00word-long", "zhangsan", false, "控制字符"},
		{"pass\nword-long", "zhangsan", false, "控制字符"},
		{"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6", "zhangsan", false, "无效字符"},
		{strings.Repeat("ab1!", 257), "zhangsan", false, "过长"},
		{"correct horse battery staple", "zhangsan", true, ""},
		{"川A·12345 蓉城", "zhangsan", true, ""},
		{"🔑🌶️🐼🎋🏯🔑🌶️🐼🎋🏯", "zhangsan", true, ""},
		{"ab-cd-ef-gh", "ab", true, ""}, // a 2-letter account name is too short to look for
	}
	for _, tc := range cases {
		err := ValidatePassword(tc.pw, tc.account)
		if tc.ok {
			if err != nil {
				t.Errorf("ValidatePassword(%q) = %v, want ok", tc.pw, err)
			}
			continue
		}
		var le *luoshi.Error
		if !errors.As(err, &le) || le.Code != luoshi.EInvalid || !strings.Contains(le.Message, tc.msg) {
			t.Errorf("ValidatePassword(%q) = %v, want EInvalid with %q", tc.pw, err, tc.msg)
		}
	}
}

func TestHasher(t *testing.T) {
	ctx := context.Background()
	h, err := NewHasher(cheap, 1)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash(ctx, "long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Check(ctx, enc, "long enough password"); !ok || err != nil {
		t.Fatalf("Check: %v, %v", ok, err)
	}
	// No stored hash: a dummy check, never a match, whatever the password.
	for _, pw := range []string{"", "luoshi dummy password", "x"} {
		if ok, err := h.Check(ctx, "", pw); ok || err != nil {
			t.Fatalf("Check(\"\", %q) = %v, %v", pw, ok, err)
		}
	}
	// The only slot is taken: waiting ends with the context.
	h.slots <- struct{}{}
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(tctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with no slot: %v", err)
	}
	if _, err := h.Check(tctx, enc, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check with no slot: %v", err)
	}
	<-h.slots
}

func FuzzCheckPassword(f *testing.F) {
	// A fixed salt: fuzzing workers are other processes and must all know
	// the one hash that may match.
	salt := []byte("0123456789abcdef")
	good := encode(cheap, salt, argon2.IDKey([]byte("seed password"), salt, cheap.Time, cheap.Memory, cheap.Threads, cheap.KeyLen))
	f.Add(good, "seed password")
	f.Add(good, "")
	f.Add("", "")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$", "\x00")
	f.Add("$argon2id$v=19$m=65536,t=2,p=2$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", "密码")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		// Keep each run cheap: a valid hash asking for much memory or
		// many passes is legitimate, only slow.
		if p, _, _, err := decode(encoded); err == nil && (p.Memory > 1024 || p.Time > 2) {
			t.Skip()
		}
		ok, err := CheckPassword(encoded, password)
		if ok && err != nil {
			t.Fatal("a match with an error")
		}
		if ok && encoded != good {
			// Only a hash the fuzzer could not have forged may match.
			t.Fatalf("CheckPassword(%q, %q) matched", encoded, password)
		}
		_ = ValidatePassword(password, encoded)
		_ = NeedsRehash(encoded, cheap)
	})
}

// BenchmarkHashPassword is the cost of a login with DefaultParams.
func BenchmarkHashPassword(b *testing.B) {
	p := DefaultParams()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := HashPassword("蜀道难，难于上青天2025", p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/hash")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/hash")
}

// BenchmarkCheckPassword is the same cost seen from a login.
func BenchmarkCheckPassword(b *testing.B) {
	h, err := HashPassword("蜀道难，难于上青天2025", DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _ := CheckPassword(h, "蜀道难，难于上青天2025"); !ok {
			b.Fatal("no match")
		}
	}
}

// BenchmarkHasherParallel is login throughput on this machine: a Hasher
// with DefaultParams allowing 2 hashes at a time, under as many callers as
// the benchmark runs.
func BenchmarkHasherParallel(b *testing.B) {
	h, err := NewHasher(DefaultParams(), 2)
	if err != nil {
		b.Fatal(err)
	}
	enc, err := HashPassword("蜀道难，难于上青天2025", DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, err := h.Check(context.Background(), enc, "蜀道难，难于上青天2025"); !ok || err != nil {
				b.Error("no match")
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

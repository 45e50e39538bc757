package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"luoshi"
)

type memAccounts map[string]Account

func (m memAccounts) AccountByName(_ context.Context, name string) (Account, error) {
	a, ok := m[strings.ToLower(name)]
	if !ok {
		return Account{}, luoshi.Errorf(luoshi.ENotFound, "no account %s", name)
	}
	return a, nil
}

type failingAccounts struct{}

func (failingAccounts) AccountByName(context.Context, string) (Account, error) {
	return Account{}, errors.New("database is down")
}

func TestValidateAccountName(t *testing.T) {
	good := []string{"zhangsan", "张三", "dcs.admin", "li-si_2", "a1", "user@mianyang", "绵阳市统计局", strings.Repeat("长", 64)}
	bad := []string{"", "a", " zhangsan", "zhang san", "zhangsan\x00", "zhang\nsan", "_admin", ".admin", "-x", "a/b", "a;b", "a'b",
		"<script>", "\xff\xfe", strings.Repeat("a", 65), "admin\u200b", "ａｄｍｉｎ\u3000", "ａｄｍｉｎ", "ｚhangsan"}
	for _, n := range good {
		if err := ValidateAccountName(n); err != nil {
			t.Errorf("ValidateAccountName(%q) = %v", n, err)
		}
	}
	for _, n := range bad {
		if err := ValidateAccountName(n); luoshi.ErrorCode(err) != luoshi.EInvalid {
			t.Errorf("ValidateAccountName(%q) = %v, want EInvalid", n, err)
		}
	}
}

func TestValidateLabel(t *testing.T) {
	for _, s := range []string{"张三", "省交通运输厅 数据对接", "O'Brien <x>"} {
		if err := ValidateLabel(s, 20); err != nil {
			t.Errorf("ValidateLabel(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", "   ", "a\x00", "a\tb", "\xff", strings.Repeat("名", 21)} {
		if err := ValidateLabel(s, 20); luoshi.ErrorCode(err) != luoshi.EInvalid {
			t.Errorf("ValidateLabel(%q) = %v", s, err)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("zhangsan", "correct horse battery")
	f.Add("", "")
	f.Add("\x00", "\xff")
	f.Fuzz(func(t *testing.T, name, pw string) {
		if ValidateAccountName(name) == nil && (strings.ContainsAny(name, " \x00\n/'\"<>") || len(name) == 0) {
			t.Fatalf("ValidateAccountName(%q) accepted", name)
		}
		if ValidatePassword(pw, name) == nil && (len(pw) < MinPasswordChars || len(pw) > MaxPasswordBytes || strings.IndexByte(pw, 0) >= 0) {
			t.Fatalf("ValidatePassword(%q) accepted", pw)
		}
		_ = ValidateLabel(name, 10)
		_ = AddressKey(name)
		_ = AccountKey(name)
	})
}

func TestLogin(t *testing.T) {
	ctx := context.Background()
	h, err := NewHasher(cheap, 2)
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := HashPassword("蓉城的春天 2025", cheap)
	old, _ := HashPassword("旧参数下的密码 2024", Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	accounts := memAccounts{
		"zhangsan": {Name: "zhangsan", Role: RoleReporter, Units: []string{"510700"}, PasswordHash: hash},
		"old":      {Name: "old", Role: RoleViewer, PasswordHash: old},
		"gone":     {Name: "gone", Role: RoleViewer, PasswordHash: hash, Disabled: true},
		"corrupt":  {Name: "corrupt", Role: RoleAdmin, PasswordHash: "$argon2id$garbage"},
		"nopass":   {Name: "nopass", Role: RoleAdmin},
	}
	c := newClock()
	a := &Authenticator{Accounts: accounts, Hasher: h, Throttle: NewThrottle(DefaultThrottleConfig(), c.Now)}

	acc, rehash, err := a.Login(ctx, "ZhangSan", "蓉城的春天 2025", "10.0.0.1:5555")
	if err != nil || acc.Name != "zhangsan" || rehash != "" {
		t.Fatalf("login: %+v, %q, %v", acc, rehash, err)
	}
	if p := acc.Principal(); !p.CanWrite("510700") || p.CanWrite("510100") {
		t.Fatalf("principal %+v", p)
	}
	// Old parameters: a new hash to store, which checks.
	acc, rehash, err = a.Login(ctx, "old", "旧参数下的密码 2024", "10.0.0.1")
	if err != nil || rehash == "" || NeedsRehash(rehash, cheap) {
		t.Fatalf("rehash: %q, %v", rehash, err)
	}
	if ok, _ := CheckPassword(rehash, "旧参数下的密码 2024"); !ok || acc.Name != "old" {
		t.Fatal("the new hash does not check")
	}
	// Every wrong name or password gets the same answer.
	for _, tc := range []struct{ name, pw string }{
		{"zhangsan", "wrong password"},
		{"zhangsan", ""},
		{"nobody", "蓉城的春天 2025"},
		{"corrupt", "anything at all"},
		{"nopass", ""},
		{"", ""},
		{"zhang\x00san", "蓉城的春天 2025"},
		{strings.Repeat("a", 1<<20), strings.Repeat("b", 1<<20)},
		{"' OR '1'='1", "' OR '1'='1"},
	} {
		_, _, err := a.Login(ctx, tc.name, tc.pw, "10.0.0.2")
		if !IsBadLogin(err) || err.Error() != "账号或密码错误" || luoshi.ErrorCode(err) != luoshi.EForbidden {
			t.Errorf("Login(%.30q, %.30q) = %v", tc.name, tc.pw, err)
		}
	}
	// A disabled account is told so only with the right password.
	if _, _, err := a.Login(ctx, "gone", "wrong password", "10.0.0.3"); !IsBadLogin(err) {
		t.Fatalf("disabled, wrong password: %v", err)
	}
	if _, _, err := a.Login(ctx, "gone", "蓉城的春天 2025", "10.0.0.3"); IsBadLogin(err) || !strings.Contains(err.Error(), "停用") {
		t.Fatalf("disabled: %v", err)
	}
	// Four more failures lock zhangsan (one is above); the right password
	// is then refused too, without being checked.
	for range 4 {
		a.Login(ctx, "zhangsan", "guess", "10.0.0.4")
	}
	_, _, err = a.Login(ctx, "zhangsan", "蓉城的春天 2025", "10.0.0.1")
	var te *ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("after 5 failures: %v", err)
	}
	c.Add(15 * 60 * 1e9)
	if _, _, err := a.Login(ctx, "zhangsan", "蓉城的春天 2025", "10.0.0.1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// A store failure is not a wrong password.
	b := &Authenticator{Accounts: failingAccounts{}, Hasher: h, Throttle: NewThrottle(DefaultThrottleConfig(), c.Now)}
	if _, _, err := b.Login(ctx, "zhangsan", "x", "10.0.0.1"); err == nil || IsBadLogin(err) || luoshi.ErrorCode(err) != luoshi.EInternal {
		t.Fatalf("store down: %v", err)
	}
}

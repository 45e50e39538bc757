package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"luoshi"
)

// Account is a local account as the store keeps it.
type Account struct {
	Name         string    `json:"name"`         // login name, unique, case-insensitive
	DisplayName  string    `json:"display_name"` // 张三
	Role         Role      `json:"role"`
	Units        []string  `json:"units,omitempty"` // unit codes
	PasswordHash string    `json:"-"`               // HashPassword's PHC string
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
	// PasswordChanged is when the password was last set.
	PasswordChanged time.Time `json:"password_changed"`
}

// Principal is who a and its sessions act as.
func (a Account) Principal() Principal {
	return Principal{Account: a.Name, Role: a.Role, Units: append([]string(nil), a.Units...)}
}

// ValidateAccountName checks a login name: 2 to 64 characters, letters
// (Chinese ones too), digits, '.', '_', '-' and '@', starting with a letter
// or digit, in NFKC form (no full-width look-alikes of other names). The error is a luoshi.Error (EInvalid).
func ValidateAccountName(name string) error {
	invalid := func(msg string) error { return &luoshi.Error{Code: luoshi.EInvalid, Message: msg} }
	if !utf8.ValidString(name) {
		return invalid("账号名含有无效字符")
	}
	if norm.NFKC.String(name) != name {
		return invalid("账号名含有全角或兼容字符，请改用常规写法")
	}
	n := utf8.RuneCountInString(name)
	if n < 2 || n > 64 {
		return invalid("账号名须为 2 到 64 个字符")
	}
	for i, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
		case i > 0 && strings.ContainsRune("._-@", r):
		default:
			return invalid(fmt.Sprintf("账号名只能由字母、汉字、数字和 . _ - @ 组成，且以字母、汉字或数字开头（不能含有 %q）", r))
		}
	}
	return nil
}

// ValidateLabel checks a free-text name (an account's display name, a
// token's purpose): not blank, at most max characters, no control
// characters. The error is a luoshi.Error (EInvalid).
func ValidateLabel(s string, max int) error {
	invalid := func(msg string) error { return &luoshi.Error{Code: luoshi.EInvalid, Message: msg} }
	if !utf8.ValidString(s) {
		return invalid("名称含有无效字符")
	}
	if strings.TrimSpace(s) == "" {
		return invalid("名称不能为空")
	}
	if utf8.RuneCountInString(s) > max {
		return invalid(fmt.Sprintf("名称不能超过 %d 个字符", max))
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return invalid("名称不能含有控制字符")
		}
	}
	return nil
}

// AccountLookup is what the store provides to log in: the account by its
// name (case-insensitive), or a luoshi.Error ENotFound.
type AccountLookup interface {
	AccountByName(ctx context.Context, name string) (Account, error)
}

// Authenticator checks logins: throttled, constant in time whether or not
// the account exists, with one message for every wrong name or password.
type Authenticator struct {
	Accounts AccountLookup
	Hasher   *Hasher
	Throttle *Throttle
}

// errBadLogin is the one answer to a wrong name or password.
var errBadLogin = &luoshi.Error{Code: luoshi.EForbidden, Message: "账号或密码错误"}

// IsBadLogin reports whether err is a wrong name or password.
func IsBadLogin(err error) bool { return errors.Is(err, errBadLogin) }

// Login checks name and password for a request from addr. On success it
// returns the account and, when the stored hash was made with other
// parameters than the Hasher's, a new hash to store (else ""). It fails
// with a *ThrottledError while the account or address is locked, an error
// for which IsBadLogin is true for a wrong name or password, and a
// luoshi.Error EForbidden for a disabled account (told only to whoever
// knows its password).
func (a *Authenticator) Login(ctx context.Context, name, password, addr string) (Account, string, error) {
	if err := a.Throttle.Allow(name, addr); err != nil {
		return Account{}, "", err
	}
	var acc Account
	found := false
	if ValidateAccountName(name) == nil {
		var err error
		acc, err = a.Accounts.AccountByName(ctx, name)
		switch {
		case err == nil:
			found = true
		case luoshi.ErrorCode(err) != luoshi.ENotFound:
			return Account{}, "", fmt.Errorf("auth: look up account: %w", err)
		}
	}
	hash := ""
	if found {
		hash = acc.PasswordHash
	}
	ok, err := a.Hasher.Check(ctx, hash, password)
	if err != nil && !errors.Is(err, ErrMalformedHash) {
		return Account{}, "", err
	}
	if !ok {
		a.Throttle.Failure(name, addr)
		return Account{}, "", errBadLogin
	}
	a.Throttle.Success(name, addr)
	if acc.Disabled {
		return Account{}, "", &luoshi.Error{Code: luoshi.EForbidden, Message: "该账号已停用，请联系督查室"}
	}
	rehash := ""
	if NeedsRehash(acc.PasswordHash, a.Hasher.Params()) {
		if rehash, err = a.Hasher.Hash(ctx, password); err != nil {
			return Account{}, "", err
		}
	}
	return acc, rehash, nil
}

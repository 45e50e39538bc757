package auth

import (
	"slices"

	"luoshi"
)

// Role is what an account may do.
type Role string

// The roles.
const (
	// RoleAdmin is the supervision office (督查室): everything.
	RoleAdmin Role = "admin"
	// RoleReporter is a unit's reporter (填报员): reads and reports on its
	// units' tasks.
	RoleReporter Role = "reporter"
	// RoleLeader is a unit's leader (单位负责人): reads its units' tasks and
	// approves or returns their reports. It does not fill them in, so that
	// no report is approved by the one who wrote it.
	RoleLeader Role = "leader"
	// RoleViewer reads, everything or only its units.
	RoleViewer Role = "viewer"
)

// Roles lists the roles, most powerful first.
func Roles() []Role { return []Role{RoleAdmin, RoleLeader, RoleReporter, RoleViewer} }

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleReporter, RoleLeader, RoleViewer:
		return r, nil
	}
	return "", &luoshi.Error{Code: luoshi.EInvalid, Message: "未知的角色：" + s + "（可选 admin、leader、reporter、viewer）"}
}

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "督查室管理员"
	case RoleReporter:
		return "单位填报员"
	case RoleLeader:
		return "单位负责人"
	case RoleViewer:
		return "查看者"
	}
	return "未知角色"
}

// Principal is who a request acts as: an account (or an API token) with its
// role and the codes of the units it belongs to. The zero Principal is
// anonymous and may do nothing; public pages do not ask it.
//
// Unit checks are exact: a city's account does not see its counties' units
// unless they are listed.
type Principal struct {
	Account string   `json:"account"`
	Role    Role     `json:"role"`
	Units   []string `json:"units,omitempty"`
}

// IsAdmin reports whether p may do everything.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

func (p Principal) member(unit string) bool { return slices.Contains(p.Units, unit) }

// CanRead reports whether p may see the tasks and reports of unit. A viewer
// with no units listed sees every unit; a reporter or leader with none sees
// nothing. The unit "" (an object no unit answers for) is seen by those who
// see every unit.
func (p Principal) CanRead(unit string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleViewer:
		return len(p.Units) == 0 || p.member(unit)
	case RoleReporter, RoleLeader:
		return unit != "" && p.member(unit)
	}
	return false
}

// CanWrite reports whether p may fill in and submit reports for unit.
func (p Principal) CanWrite(unit string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleReporter:
		return unit != "" && p.member(unit)
	}
	return false
}

// CanApprove reports whether p may approve or return unit's reports.
func (p Principal) CanApprove(unit string) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleLeader:
		return unit != "" && p.member(unit)
	}
	return false
}

// ReadScope is the filter a store query applies for p: all is true when p
// sees every unit; otherwise p sees exactly the units listed (none when
// empty: the query must return nothing, not everything).
func (p Principal) ReadScope() (all bool, units []string) {
	switch {
	case p.Role == RoleAdmin, p.Role == RoleViewer && len(p.Units) == 0:
		return true, nil
	case p.Role == RoleViewer, p.Role == RoleReporter, p.Role == RoleLeader:
		return false, append([]string{}, p.Units...)
	}
	return false, []string{}
}

// Forbidden returns the luoshi.Error (EForbidden) for p being refused
// action on unit, with a message for the user.
func (p Principal) Forbidden(action, unitName string) error {
	msg := "您没有权限" + action
	if unitName != "" {
		msg = "您没有权限" + action + "（" + unitName + "）"
	}
	if p.Account == "" {
		msg = "请先登录"
	}
	return &luoshi.Error{Code: luoshi.EForbidden, Message: msg}
}

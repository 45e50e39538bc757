package luoshi

import (
	"time"

	"luoshi/decimal"
)

// Assignment roles.
const (
	RoleLead = "lead" // 牵头单位
	RoleCo   = "co"   // 责任单位 / 配合单位
)

// Assignment names who answers for one commitment of a plan: a lead unit and
// any co-units, confirmed by a person.
type Assignment struct {
	PlanID      int64     `json:"plan_id"`
	Commitment  string    `json:"commitment"` // Commitment.ID
	Lead        string    `json:"lead"`       // Unit.Code
	Co          []string  `json:"co,omitempty"`
	ConfirmedBy string    `json:"confirmed_by"`
	ConfirmedAt time.Time `json:"confirmed_at"`
}

// Quota is one region's share of a numeric target.
type Quota struct {
	Unit  string          `json:"unit"` // Unit.Code
	Value decimal.Decimal `json:"value"`
}

// Milestone is one point of an expected-progress schedule: by Date, Share of
// the target (0..1) should be done.
type Milestone struct {
	Date  time.Time       `json:"date"`
	Share decimal.Decimal `json:"share"`
}

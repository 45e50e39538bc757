package luoshi

import (
	"time"

	"luoshi/decimal"
)

// Progress states: a report is drafted, submitted, then approved (it counts)
// or returned with a reason (and may be submitted again).
const (
	StateDraft     = "draft"
	StateSubmitted = "submitted"
	StateApproved  = "approved"
	StateReturned  = "returned"
)

// PercentUnit is the unit of progress on a commitment without a numeric
// target: the share of the work done, 0 to 100.
const PercentUnit = "%"

// Progress is what one unit reports for one target or commitment of a plan in
// one period (进展). Value is cumulative from the start of the plan year.
type Progress struct {
	ID        int64           `json:"id"`
	PlanID    int64           `json:"plan_id"`
	Item      string          `json:"item"` // Target.ID or Commitment.ID
	Unit      string          `json:"unit"` // Unit.Code of the reporting unit
	Period    string          `json:"period"`
	Value     decimal.Decimal `json:"value"`
	ValueUnit string          `json:"value_unit"` // must be the target's unit, or "%" for a commitment
	Ratio     float64         `json:"ratio"`      // completion ratio of Value against the goal, derived when written
	Narrative string          `json:"narrative"`
	State     string          `json:"state"`
	Reason    string          `json:"reason,omitempty"` // why it was returned or corrected
	// Origin says where the system took the value from when no one typed
	// it (报表通): the same indicator reported by another unit, or the
	// aggregate of the regions under this one. Empty for a typed report.
	// A report with an origin is kept in step with its source and cannot be
	// written, reviewed or corrected on its own while it counts.
	Origin    string    `json:"origin,omitempty"`
	Revision  int       `json:"revision"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProgressInput is a report as a unit writes it.
type ProgressInput struct {
	PlanID    int64
	Item      string
	Unit      string
	Period    string
	Value     decimal.Decimal
	ValueUnit string
	Narrative string
	Submit    bool // false keeps it a draft
	By        string
}

// Review approves a submitted report or returns it with a reason.
type Review struct {
	ID      int64
	Approve bool
	Reason  string // required to return
	By      string
}

// Correction changes an approved report; the old value stays in the history
// and the report needs approval again.
type Correction struct {
	ID        int64
	Value     decimal.Decimal
	Narrative string
	Reason    string // required
	By        string
}

// ProgressEvent is one entry of a report's history: every write, with the
// value and state it left.
type ProgressEvent struct {
	ProgressID int64           `json:"progress_id"`
	Revision   int             `json:"revision"`
	Action     string          `json:"action"` // save, submit, approve, return, correct
	State      string          `json:"state"`
	Value      decimal.Decimal `json:"value"`
	Narrative  string          `json:"narrative"`
	Reason     string          `json:"reason,omitempty"`
	By         string          `json:"by"`
	At         time.Time       `json:"at"`
}

// ProgressFilter selects reports; zero fields match everything.
type ProgressFilter struct {
	PlanID int64
	Item   string
	Unit   string
	Period string
	State  string
}

// Evidence is a file attached to a report (a photo, a PDF, a spreadsheet).
type Evidence struct {
	ID          int64     `json:"id"`
	ProgressID  int64     `json:"progress_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Data        []byte    `json:"-"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// EvidenceLimits bound the files a report may carry.
type EvidenceLimits struct {
	MaxBytes int64    // per file
	Types    []string // allowed content types
}

// DefaultEvidenceLimits allows the documents and images units send today, up
// to 20 MiB a file.
func DefaultEvidenceLimits() EvidenceLimits {
	return EvidenceLimits{
		MaxBytes: 20 << 20,
		Types: []string{
			"application/pdf", "image/jpeg", "image/png",
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			"text/plain",
		},
	}
}

// Check returns an EInvalid error if e breaks the limits.
func (l EvidenceLimits) Check(e Evidence) error {
	if e.Name == "" {
		return Errorf(EInvalid, "evidence needs a file name")
	}
	if int64(len(e.Data)) > l.MaxBytes {
		return Errorf(EInvalid, "evidence %q is %d bytes, more than the limit of %d", e.Name, len(e.Data), l.MaxBytes)
	}
	if len(e.Data) == 0 {
		return Errorf(EInvalid, "evidence %q is empty", e.Name)
	}
	for _, t := range l.Types {
		if t == e.ContentType {
			return nil
		}
	}
	return Errorf(EInvalid, "evidence %q has type %q, which is not allowed (allowed: %v)", e.Name, e.ContentType, l.Types)
}

package http

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"luoshi"
)

// draft is an imported report under review: extracted, editable, and
// invisible to units until it is published into the store.
type draft struct {
	ID        string                   `json:"id"`
	Name      string                   `json:"name"` // uploaded file name
	Encoding  string                   `json:"encoding"`
	Source    string                   `json:"source"` // Plan.Source, which the plan's JSON leaves out
	Plan      *luoshi.Plan             `json:"plan"`
	Assign    map[string]draftAssignee `json:"assign"` // by commitment ID
	By        string                   `json:"by"`
	CreatedAt time.Time                `json:"created_at"`
	UpdatedAt time.Time                `json:"updated_at"`
}

// draftAssignee is the lead and co-units (catalog labels) of a commitment.
type draftAssignee struct {
	Lead      string   `json:"lead"`
	Co        []string `json:"co,omitempty"`
	Confirmed bool     `json:"confirmed"`
}

// drafts keeps drafts in memory and, when dir is set, as one JSON file
// each, so a server restart loses no review work.
type drafts struct {
	dir string
	mu  sync.Mutex
	m   map[string]*draft
}

func newDrafts(dir string) (*drafts, error) {
	d := &drafts{dir: dir, m: map[string]*draft{}}
	if dir == "" {
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("http: drafts: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("http: drafts: %w", err)
	}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("http: drafts: %w", err)
		}
		var x draft
		if err := json.Unmarshal(b, &x); err != nil {
			return nil, fmt.Errorf("http: draft %s: %w", n, err)
		}
		x.Plan.Source = x.Source
		d.m[x.ID] = &x
	}
	return d, nil
}

func newDraftID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// get returns a deep copy of a draft, so edits stay local until put.
func (d *drafts) get(id string) (*draft, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.m[id]
	if !ok {
		return nil, notFound("没有待审核的导入 %s（可能已发布或删除）", id)
	}
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	var c draft
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	c.Plan.Source = c.Source
	return &c, nil
}

func (d *drafts) put(x *draft) error {
	x.Source = x.Plan.Source
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dir != "" {
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		tmp := filepath.Join(d.dir, "."+x.ID+".tmp")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return fmt.Errorf("save draft: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(d.dir, x.ID+".json")); err != nil {
			return fmt.Errorf("save draft: %w", err)
		}
	}
	d.m[x.ID] = x
	return nil
}

func (d *drafts) remove(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, id)
	if d.dir != "" {
		if err := os.Remove(filepath.Join(d.dir, id+".json")); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

func (d *drafts) list() []*draft {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*draft, 0, len(d.m))
	for _, x := range d.m {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out
}

// relink rebuilds each commitment's target indexes from the targets'
// commitment IDs, after commitments were split, merged or deleted.
func relink(p *luoshi.Plan) {
	idx := map[string]int{}
	for i := range p.Commitments {
		p.Commitments[i].Targets = []int{}
		idx[p.Commitments[i].ID] = i
	}
	kept := p.Targets[:0]
	for _, t := range p.Targets {
		if _, ok := idx[t.Commitment]; ok {
			kept = append(kept, t)
		}
	}
	p.Targets = kept
	for j, t := range p.Targets {
		i := idx[t.Commitment]
		p.Commitments[i].Targets = append(p.Commitments[i].Targets, j)
	}
}

// nextCommitmentID returns an ID no commitment of p has: c and the next
// number after the largest.
func nextCommitmentID(p *luoshi.Plan) string {
	n := 0
	for _, c := range p.Commitments {
		var k int
		if _, err := fmt.Sscanf(strings.TrimPrefix(c.ID, "c"), "%d", &k); err == nil && k > n {
			n = k
		}
	}
	return fmt.Sprintf("c%04d", n+1)
}

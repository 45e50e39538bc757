package luoshi

import "strings"

// Change is one commitment or target that a revised report added, removed
// or changed.
type Change struct {
	Kind string `json:"kind"`          // "commitment" or "target"
	Old  string `json:"old,omitempty"` // ID in the previous version
	New  string `json:"new,omitempty"` // ID in the new version
	Text string `json:"text"`          // the new text, or the old one for a removal
	Was  string `json:"was,omitempty"` // the old text of a change
}

// PlanDiff lists what changed between two versions of a plan.
type PlanDiff struct {
	Added   []Change `json:"added"`
	Removed []Change `json:"removed"`
	Changed []Change `json:"changed"`
	// Kept pairs the items that are the same in both versions (their IDs
	// may differ).
	Kept []Change `json:"-"`
}

// Empty reports whether nothing changed.
func (d *PlanDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// similarEnough is the bigram similarity above which an unmatched old and
// new sentence count as the same item changed rather than one removed and
// one added.
const similarEnough = 0.5

// DiffPlans compares two versions of a plan. Commitments are matched by
// their text, then unmatched ones by similarity of text; targets by their
// object, unit, comparator and value, then unmatched ones by object and unit
// (a changed number).
func DiffPlans(old, new *Plan) *PlanDiff {
	d := &PlanDiff{Added: []Change{}, Removed: []Change{}, Changed: []Change{}}

	// Commitments.
	oldByText := map[string][]int{}
	for i, c := range old.Commitments {
		k := norm(c.Text)
		oldByText[k] = append(oldByText[k], i)
	}
	usedOld := make([]bool, len(old.Commitments))
	var unNew []int
	for i, c := range new.Commitments {
		k := norm(c.Text)
		if l := oldByText[k]; len(l) > 0 {
			usedOld[l[0]] = true
			oldByText[k] = l[1:]
			d.Kept = append(d.Kept, Change{Kind: "commitment", Old: old.Commitments[l[0]].ID, New: c.ID, Text: c.Text})
			continue
		}
		unNew = append(unNew, i)
	}
	for _, ni := range unNew {
		nc := new.Commitments[ni]
		best, bestScore := -1, similarEnough
		for oi, oc := range old.Commitments {
			if usedOld[oi] {
				continue
			}
			if s := similarity(oc.Text, nc.Text); s >= bestScore {
				best, bestScore = oi, s
			}
		}
		if best < 0 {
			d.Added = append(d.Added, Change{Kind: "commitment", New: nc.ID, Text: nc.Text})
			continue
		}
		usedOld[best] = true
		oc := old.Commitments[best]
		d.Changed = append(d.Changed, Change{Kind: "commitment", Old: oc.ID, New: nc.ID, Text: nc.Text, Was: oc.Text})
	}
	for oi, oc := range old.Commitments {
		if !usedOld[oi] {
			d.Removed = append(d.Removed, Change{Kind: "commitment", Old: oc.ID, Text: oc.Text})
		}
	}

	// Targets.
	full := func(t Target) string {
		return t.Object + "|" + t.Unit + "|" + t.Comparator + "|" + t.Value.String()
	}
	loose := func(t Target) string { return t.Object + "|" + t.Unit }
	oldFull := map[string][]int{}
	for i, t := range old.Targets {
		oldFull[full(t)] = append(oldFull[full(t)], i)
	}
	usedT := make([]bool, len(old.Targets))
	var unT []int
	for i, t := range new.Targets {
		if l := oldFull[full(t)]; len(l) > 0 {
			usedT[l[0]] = true
			oldFull[full(t)] = l[1:]
			d.Kept = append(d.Kept, Change{Kind: "target", Old: old.Targets[l[0]].ID, New: t.ID, Text: t.Text})
			continue
		}
		unT = append(unT, i)
	}
	for _, ni := range unT {
		nt := new.Targets[ni]
		found := -1
		for oi, ot := range old.Targets {
			if !usedT[oi] && loose(ot) == loose(nt) {
				found = oi
				break
			}
		}
		if found < 0 {
			d.Added = append(d.Added, Change{Kind: "target", New: nt.ID, Text: nt.Text})
			continue
		}
		usedT[found] = true
		ot := old.Targets[found]
		d.Changed = append(d.Changed, Change{Kind: "target", Old: ot.ID, New: nt.ID, Text: nt.Text, Was: ot.Text})
	}
	for oi, ot := range old.Targets {
		if !usedT[oi] {
			d.Removed = append(d.Removed, Change{Kind: "target", Old: ot.ID, Text: ot.Text})
		}
	}
	return d
}

func norm(s string) string { return strings.Join(strings.Fields(s), "") }

// similarity is the Dice coefficient of the character bigrams of a and b.
func similarity(a, b string) float64 {
	bg := func(s string) map[string]int {
		r := []rune(norm(s))
		m := map[string]int{}
		for i := 0; i+1 < len(r); i++ {
			m[string(r[i:i+2])]++
		}
		return m
	}
	ma, mb := bg(a), bg(b)
	na, nb, common := 0, 0, 0
	for k, v := range ma {
		na += v
		common += min(v, mb[k])
	}
	for _, v := range mb {
		nb += v
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(common) / float64(na+nb)
}

package notify

import (
	"context"
	"testing"
	"time"

	"luoshi"
	"luoshi/remind"
)

// TestReminderEndToEnd runs a scan, sends what is due on every channel,
// records it as sent, and scans again: nothing is sent twice.
func TestReminderEndToEnd(t *testing.T) {
	s := startSink(t, nil)
	mail, err := NewMail(MailConfig{Host: "127.0.0.1", Port: s.port(), From: "duchashi@sc.gov.cn", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{}
	hook, err := NewWebhook(WebhookConfig{URL: newReceiver(t, rc), Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	inbox := &fakeInbox{}

	cst := time.FixedZone("CST", 8*3600)
	ps, err := luoshi.Calendar(2025, luoshi.Monthly, 5, cst)
	if err != nil {
		t.Fatal(err)
	}
	plan := &luoshi.Plan{ID: 7, Title: "2025年四川省政府工作报告", Commitments: []luoshi.Commitment{{ID: "C1"}}}
	in := remind.FromStatus(&luoshi.StatusInput{
		Plan: plan, Periods: ps[:3],
		Assignments: []luoshi.Assignment{{Commitment: "C1", Lead: "510700"}},
		Progress: []luoshi.Progress{
			{PlanID: 7, Item: "C1", Unit: "510700", Period: "2025-01", State: luoshi.StateApproved},
			{PlanID: 7, Item: "C1", Unit: "510700", Period: "2025-02", State: luoshi.StateApproved},
		},
	}, time.Date(2025, 4, 9, 8, 0, 0, 0, cst))
	in.Units = []luoshi.Unit{{Code: "510700", Name: "绵阳市"}}
	in.Sent = map[string]bool{}
	cfg := remind.DefaultConfig()
	cfg.Location = cst

	var records []Delivery
	for range 2 {
		rs, err := remind.Due(in, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			m := FromReminder(r, []string{"leader@mianyang.gov.cn"})
			ds := Deliver(context.Background(), m, nil, App{Inbox: inbox}, mail, hook)
			records = append(records, ds...)
			in.Sent[r.Key] = true
		}
	}
	if len(records) != 3 {
		t.Fatalf("deliveries = %+v", records)
	}
	for _, d := range records {
		if !d.OK() || d.Key != "7/510700/2025-03/escalated_leader" {
			t.Errorf("delivery %+v", d)
		}
	}
	msgs := s.messages()
	bodies, keys := rc.accepted()
	if len(msgs) != 1 || len(bodies) != 1 || len(inbox.posted) != 1 {
		t.Fatalf("mail %d, webhook %d, inbox %d", len(msgs), len(bodies), len(inbox.posted))
	}
	if keys[0] != "7/510700/2025-03/escalated_leader" || inbox.posted[0].Level != remind.ToLeader || msgs[0].to[0] != "leader@mianyang.gov.cn" {
		t.Errorf("webhook key %q, inbox %+v, mail to %v", keys[0], inbox.posted[0], msgs[0].to)
	}
}

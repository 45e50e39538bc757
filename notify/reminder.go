package notify

import "luoshi/remind"

// FromReminder returns the message of a reminder, addressed to to (the
// e-mail addresses of the reminder's recipients at its level; channels
// that do not address people ignore them).
func FromReminder(r remind.Reminder, to []string) Message {
	return Message{
		Key:     r.Key,
		To:      to,
		Subject: r.Subject,
		Text:    r.Message,
		Unit:    r.Unit,
		Period:  r.Period,
		Kind:    r.Kind,
		Level:   r.Level,
		At:      r.At,
	}
}

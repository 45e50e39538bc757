//go:build !unix

package auth

import "time"

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }

package httperr

import (
	"errors"
	"fmt"
	"testing"

	"luoshi"
)

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{luoshi.Errorf(luoshi.EInvalid, "x"), 400},
		{fmt.Errorf("wrapped: %w", luoshi.Errorf(luoshi.ENotFound, "x")), 404},
		{luoshi.Errorf(luoshi.EForbidden, "x"), 403},
		{luoshi.Errorf(luoshi.EConflict, "x"), 409},
		{luoshi.Errorf(luoshi.EInternal, "x"), 500},
		{errors.New("plain"), 500},
	} {
		if got := Status(c.err); got != c.want {
			t.Errorf("Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

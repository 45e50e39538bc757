package source

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestDocumentTextCap checks the streaming limit that backs up the size a
// zip header states.
func TestDocumentTextCap(t *testing.T) {
	doc := `<w:document xmlns:w="` + nsW + `"><w:body><w:p><w:r><w:t>` +
		strings.Repeat("四川", 1000) + `</w:t></w:r></w:p></w:body></w:document>`
	cr := &capReader{r: strings.NewReader(doc), n: 1000}
	_, err := documentText(cr)
	if err == nil || !cr.exceeded() {
		t.Errorf("documentText over the limit: error %v, exceeded %v", err, cr.exceeded())
	}
	cr = &capReader{r: strings.NewReader(doc), n: 1000}
	if _, err := io.ReadAll(cr); !errors.Is(err, errTooLarge) {
		t.Errorf("reading over the limit: error %v, want errTooLarge", err)
	}
	got, err := documentText(&capReader{r: strings.NewReader(doc), n: int64(len(doc))})
	if err != nil {
		t.Fatalf("documentText at the limit: %v", err)
	}
	if want := strings.Repeat("四川", 1000) + "\n"; got != want {
		t.Errorf("documentText = %q…, want %q…", got[:12], want[:12])
	}
}

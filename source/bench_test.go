package source_test

import (
	"bytes"
	"os"
	"testing"

	"luoshi/source"
)

// BenchmarkDecode decodes the full 2025 Sichuan report (81 KB) in each
// encoding, and a 16 MB GB18030 file that fails at its last byte: the
// slowest input within the size limit.
func BenchmarkDecode(b *testing.B) {
	text, err := os.ReadFile("../../shared/eval/dev/sichuan-2025.txt")
	if err != nil {
		b.Skip(err)
	}
	gb := gbEncode(b, string(text))
	big := bytes.Repeat(gb, source.MaxBytes/len(gb))
	big[len(big)-1] = 0xff
	for _, bb := range []struct {
		name    string
		data    []byte
		wantErr bool
	}{
		{"utf8", text, false},
		{"gb18030", gb, false},
		{"gb18030-16MB-bad-end", big, true},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(bb.data)))
			for b.Loop() {
				_, err := source.Decode("report.txt", bb.data)
				if (err != nil) != bb.wantErr {
					b.Fatal(err)
				}
			}
		})
	}
}

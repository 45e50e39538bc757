// Package source turns the bytes of an uploaded or named input file into the
// text the extractor reads: plain text in UTF-8, UTF-16 or GB18030, or a Word
// .docx document.
//
// Decoding is all the package does. It does not normalise line endings or
// white space, because the extractor keeps character offsets into the text it
// is given and handles "\r" itself.
package source

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"luoshi"
)

// Encodings reported in Text.Encoding.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF16LE = "utf-16le"
	EncodingUTF16BE = "utf-16be"
	EncodingGB18030 = "gb18030"
	EncodingDocx    = "docx"
)

// Default limits. A full provincial work report is under 1 MB of text and its
// document.xml a few MB, so these leave a wide margin while keeping hostile or
// mistaken input (a 50 MB file, a zip bomb) out of the slow paths.
const (
	MaxBytes       = 16 << 20 // size of the input file
	MaxDocumentXML = 64 << 20 // decompressed size of a .docx's document.xml
)

// Text is a decoded input: the text and the encoding it was read from.
type Text struct {
	Text     string
	Encoding string // one of the Encoding constants
}

// Limits bounds the input Decode and Read accept. A zero field means the
// default (MaxBytes, MaxDocumentXML).
type Limits struct {
	MaxBytes       int64 // size of the input file
	MaxDocumentXML int64 // decompressed size of a .docx's main document part
}

func (l Limits) maxBytes() int64 {
	if l.MaxBytes > 0 {
		return l.MaxBytes
	}
	return MaxBytes
}

func (l Limits) maxDocumentXML() int64 {
	if l.MaxDocumentXML > 0 {
		return l.MaxDocumentXML
	}
	return MaxDocumentXML
}

// Decode decodes data, the content of the file called name, with the default
// limits. See Limits.Decode.
func Decode(name string, data []byte) (Text, error) {
	return Limits{}.Decode(name, data)
}

// Read reads and decodes the file called name from r with the default limits.
// See Limits.Read.
func Read(name string, r io.Reader) (Text, error) {
	return Limits{}.Read(name, r)
}

// Read reads at most l's size limit from r and decodes it; a larger input is
// rejected without reading the rest of it.
func (l Limits) Read(name string, r io.Reader) (Text, error) {
	limit := l.maxBytes()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return Text{}, &luoshi.Error{Code: luoshi.EInvalid, Message: label(name) + ": cannot read file", Err: err}
	}
	if int64(len(data)) > limit {
		return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: file is larger than the limit of %s", label(name), size(limit))
	}
	return l.Decode(name, data)
}

// Decode decodes data, the content of the file called name.
//
// A file whose name ends in .docx or whose content starts with the zip magic
// number is read as a Word document: the text of each paragraph of
// word/document.xml, tables included and deleted text excluded, one paragraph
// a line. Any other file is plain text: UTF-8 (a byte order mark is removed),
// UTF-16 with a byte order mark, or, if it is not valid UTF-8, GB18030.
//
// Every error is a *luoshi.Error with code luoshi.EInvalid whose message
// starts with name: for an empty or oversized file, a binary file, text in no
// supported encoding (naming the byte offset of the first invalid byte), and a
// .docx that is not a Word document.
func (l Limits) Decode(name string, data []byte) (Text, error) {
	n := label(name)
	if limit := l.maxBytes(); int64(len(data)) > limit {
		return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: file is %s, larger than the limit of %s", n, size(int64(len(data))), size(limit))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: file is empty", n)
	}

	var t Text
	var err error
	switch {
	case isDocx(name, data):
		var s string
		s, err = docxText(n, data, l.maxDocumentXML())
		t = Text{Text: s, Encoding: EncodingDocx}
	default:
		t, err = plainText(n, data)
	}
	if err != nil {
		return Text{}, err
	}
	if strings.TrimSpace(t.Text) == "" {
		return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: file contains no text", n)
	}
	return t, nil
}

// plainText decodes data as UTF-8, UTF-16 with a byte order mark, or GB18030.
func plainText(n string, data []byte) (Text, error) {
	if kind := knownBinary(data); kind != "" {
		return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: %s, not text: save it as .docx or plain text", n, kind)
	}
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		body := data[3:]
		if i := bytes.IndexByte(body, 0); i >= 0 {
			return Text{}, binaryError(n, i+3)
		}
		if i := invalidUTF8(body); i >= 0 {
			return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: not UTF-8 text despite its byte order mark: invalid byte 0x%02x at byte offset %d", n, body[i], i+3)
		}
		return Text{Text: string(body), Encoding: EncodingUTF8}, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return utf16Text(n, data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return utf16Text(n, data[2:], true)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return Text{}, binaryError(n, i)
	}
	bad := invalidUTF8(data)
	if bad < 0 {
		return Text{Text: string(data), Encoding: EncodingUTF8}, nil
	}
	s, g := gb18030(data)
	if g < 0 {
		return Text{Text: s, Encoding: EncodingGB18030}, nil
	}
	// Name the offset where the reading that got further failed: for a
	// GB18030 file with one stray byte, that byte, not its first Chinese
	// character.
	if g > bad {
		return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: not UTF-8 or GB18030 text: invalid byte 0x%02x at byte offset %d (reading it as GB18030)", n, data[g], g)
	}
	return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: not UTF-8 or GB18030 text: invalid byte 0x%02x at byte offset %d", n, data[bad], bad)
}

// gb18030 decodes data as GB18030 and returns the text and -1 if it is
// plausible text: every byte sequence valid and no control character other
// than tab, line feed, carriage return and form feed. Otherwise it returns
// the byte offset of the first sequence that is not.
func gb18030(data []byte) (string, int) {
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", 0
	}
	// Walk the input a character at a time alongside the output, which
	// holds one character for each valid one of the input.
	s := string(out)
	j := 0
	for i := 0; i < len(data); {
		k := gbLen(data[i:])
		if k == 0 || j >= len(s) {
			return "", i
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError || isControl(r) {
			return "", i
		}
		i += k
		j += size
	}
	return s, -1
}

// gbLen returns the length of the GB18030 byte sequence p starts with (1, 2
// or 4), or 0 if p does not start with one.
func gbLen(p []byte) int {
	in := func(b, lo, hi byte) bool { return lo <= b && b <= hi }
	switch {
	case p[0] < 0x80:
		return 1
	case p[0] == 0x80 || p[0] == 0xFF || len(p) < 2:
		return 0
	case in(p[1], 0x40, 0x7E) || in(p[1], 0x80, 0xFE):
		return 2
	case in(p[1], 0x30, 0x39) && len(p) >= 4 && in(p[2], 0x81, 0xFE) && in(p[3], 0x30, 0x39):
		return 4
	}
	return 0
}

// isControl reports whether r is a C0 control character that text files do
// not contain.
func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f'
}

// utf16Text decodes body, the bytes after a UTF-16 byte order mark.
func utf16Text(n string, body []byte, bigEndian bool) (Text, error) {
	enc := EncodingUTF16LE
	if bigEndian {
		enc = EncodingUTF16BE
	}
	if len(body)%2 != 0 {
		return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: not %s text: odd number of bytes", n, strings.ToUpper(enc))
	}
	units := make([]uint16, len(body)/2)
	for i := range units {
		a, b := uint16(body[2*i]), uint16(body[2*i+1])
		if bigEndian {
			units[i] = a<<8 | b
		} else {
			units[i] = b<<8 | a
		}
	}
	for i := 0; i < len(units); i++ {
		u := units[i]
		switch {
		case u == 0:
			return Text{}, binaryError(n, 2+2*i)
		case utf16.IsSurrogate(rune(u)):
			if u < 0xDC00 && i+1 < len(units) && units[i+1] >= 0xDC00 && units[i+1] <= 0xDFFF {
				i++
				continue
			}
			return Text{}, luoshi.Errorf(luoshi.EInvalid, "%s: not %s text: unpaired surrogate 0x%04x at byte offset %d", n, strings.ToUpper(enc), u, 2+2*i)
		}
	}
	return Text{Text: string(utf16.Decode(units)), Encoding: enc}, nil
}

// invalidUTF8 returns the byte offset of the first invalid UTF-8 sequence in
// data, or -1 if data is valid UTF-8.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// binaryError reports a NUL byte at byte offset off.
func binaryError(n string, off int) error {
	return luoshi.Errorf(luoshi.EInvalid, "%s: binary file: NUL byte at byte offset %d", n, off)
}

// knownBinary names the kind of document data is when it starts with the
// signature of a format people mistake for a report's text, else "".
func knownBinary(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "a PDF document"
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return "a legacy Word .doc or encrypted Office file"
	}
	return ""
}

// label returns the name to start error messages with.
func label(name string) string {
	if name == "" {
		return "input"
	}
	return name
}

// size formats a byte count for a message.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d bytes (%.1f MB)", n, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d bytes (%.1f KB)", n, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

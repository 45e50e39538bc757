package source

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"luoshi"
)

// XML namespaces of WordprocessingML (transitional and strict) and of markup
// compatibility, whose mc:Fallback repeats the text of mc:Choice.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

// Bounds on the parts of a .docx read besides the main document.
const (
	maxRelsXML  = 1 << 20 // _rels/.rels
	maxXMLDepth = 256     // element nesting in document.xml
)

// errTooLarge is returned by a capReader that reached its limit.
var errTooLarge = errors.New("part too large")

// isDocx reports whether the file called name with content data is read as a
// Word document: by its extension or by the zip signature.
func isDocx(name string, data []byte) bool {
	return strings.EqualFold(filepath.Ext(name), ".docx") || bytes.HasPrefix(data, []byte("PK\x03\x04"))
}

// docxText returns the text of the main document part of the .docx data, one
// paragraph a line, reading at most maxXML decompressed bytes of it. n is the
// file name to start error messages with.
func docxText(n string, data []byte, maxXML int64) (string, error) {
	notDocx := n + ": not a Word .docx file"
	if kind := knownBinary(data); kind != "" {
		return "", luoshi.Errorf(luoshi.EInvalid, "%s: %s", notDocx, kind)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return "", &luoshi.Error{Code: luoshi.EInvalid, Message: notDocx + ": not a zip archive", Err: err}
	}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		if _, dup := files[f.Name]; !dup {
			files[f.Name] = f
		}
	}
	name := mainPart(files)
	f := files[name]
	if f == nil {
		return "", luoshi.Errorf(luoshi.EInvalid, "%s: no %s in the archive", notDocx, name)
	}
	if f.UncompressedSize64 > uint64(maxXML) {
		return "", luoshi.Errorf(luoshi.EInvalid, "%s: %s is %s uncompressed, larger than the limit of %s", n, name, size(int64(f.UncompressedSize64)), size(maxXML))
	}
	rc, err := f.Open()
	if err != nil {
		return "", &luoshi.Error{Code: luoshi.EInvalid, Message: fmt.Sprintf("%s: cannot open %s", notDocx, name), Err: err}
	}
	defer rc.Close()
	cr := &capReader{r: rc, n: maxXML}
	text, err := documentText(cr)
	switch {
	case err != nil && cr.exceeded():
		// The XML decoder may report the text cut at the limit (as
		// invalid UTF-8, say) rather than the read error.
		return "", luoshi.Errorf(luoshi.EInvalid, "%s: %s is larger than the limit of %s uncompressed", n, name, size(maxXML))
	case err != nil:
		return "", &luoshi.Error{Code: luoshi.EInvalid, Message: fmt.Sprintf("%s: cannot read %s", notDocx, name), Err: err}
	}
	return text, nil
}

// mainPart returns the name of the main document part: the target of the
// package's officeDocument relationship, or word/document.xml.
func mainPart(files map[string]*zip.File) string {
	const fallback = "word/document.xml"
	f := files["_rels/.rels"]
	if f == nil || f.UncompressedSize64 > maxRelsXML {
		return fallback
	}
	rc, err := f.Open()
	if err != nil {
		return fallback
	}
	defer rc.Close()
	var rels struct {
		Rel []struct {
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.NewDecoder(&capReader{r: rc, n: maxRelsXML}).Decode(&rels); err != nil {
		return fallback
	}
	for _, r := range rels.Rel {
		if strings.HasSuffix(r.Type, "/officeDocument") && r.Target != "" {
			t := strings.TrimPrefix(r.Target, "/")
			if files[t] != nil {
				return t
			}
		}
	}
	return fallback
}

// documentText streams WordprocessingML from r and returns its text: each
// paragraph (w:p, in tables too) one line, the text of w:t, w:tab as a tab
// and w:br, w:cr as line breaks. Deleted and moved-away text (w:del,
// w:moveFrom) and the fallback copy of alternate content are skipped.
func documentText(r io.Reader) (string, error) {
	d := xml.NewDecoder(r)
	var b strings.Builder
	depth := 0
	skip := 0 // depth of the element being skipped, 0 if none
	inText := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return "", fmt.Errorf("elements nested more than %d deep", maxXMLDepth)
			}
			if skip > 0 {
				continue
			}
			if t.Name.Space == nsMC && t.Name.Local == "Fallback" {
				skip = depth
				continue
			}
			if !isW(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "del", "moveFrom", "pPr", "rPr", "sectPr":
				// Deleted text, and properties (w:pPr holds tab stops
				// named w:tab that are not tabs of the text).
				skip = depth
			case "t":
				inText = true
			case "tab", "ptab":
				b.WriteByte('\t')
			case "br", "cr":
				b.WriteByte('\n')
			case "noBreakHyphen":
				b.WriteByte('-')
			}
		case xml.EndElement:
			depth--
			if skip > 0 {
				if depth < skip {
					skip = 0
				}
				continue
			}
			if !isW(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				b.WriteByte('\n')
			}
		case xml.CharData:
			if inText && skip == 0 {
				b.Write(t)
			}
		}
	}
}

// isW reports whether name is in the WordprocessingML namespace.
func isW(name xml.Name) bool {
	return name.Space == nsW || name.Space == nsWStrict
}

// capReader reads from r and fails with errTooLarge once more than n bytes
// have been read.
type capReader struct {
	r io.Reader
	n int64 // bytes left before the limit
}

// exceeded reports whether reading went past the limit.
func (c *capReader) exceeded() bool { return c.n < 0 }

func (c *capReader) Read(p []byte) (int, error) {
	if c.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > c.n+1 {
		p = p[:c.n+1]
	}
	k, err := c.r.Read(p)
	c.n -= int64(k)
	if c.n < 0 {
		return k, errTooLarge
	}
	return k, err
}

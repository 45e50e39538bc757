package xlsx

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// This file reads the cell values of a worksheet straight from its XML,
// for the plain workbooks (plainWorksheets) that make up nearly every
// upload: excelize's GetRows decodes the sheet and the shared strings
// token by token with encoding/xml, which is most of the time an upload
// takes. The reader handles only the simple, common shape of sheetData
// (rows of cells holding a number, a shared string or an inline string);
// on anything else, from a comment to a rich-text run to an entity it
// does not know, it gives up and the caller reads the sheet with excelize.
// Where it does not give up, its result is exactly GetRows' with
// RawCellValue (FuzzSheetRows compares the two).

// mainNS is the namespace of SpreadsheetML (transitional).
const mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

// sheetRows returns the raw cell values of sheet as GetRows(sheet,
// Options{RawCellValue: true}) does, or ok false when the sheet is not
// one the fast reader handles. sst caches the shared strings between the
// sheets of one workbook.
func sheetRows(f *excelize.File, sheet string, sst *sharedStrings) (rows [][]string, ok bool) {
	path, ok := sheetPath(f, sheet)
	if !ok {
		return nil, false
	}
	if ws, parsed := f.Sheet.Load(path); parsed && ws != nil {
		return nil, false // excelize would write it out first
	}
	v, _ := f.Pkg.Load(path)
	b, ok := v.([]byte)
	if !ok || len(b) == 0 {
		return nil, false
	}
	start, empty, ok := sheetDataStart(b)
	if !ok {
		return nil, false
	}
	if empty {
		return [][]string{}, true
	}
	s := scanner{b: b, i: start}
	return s.sheetData(f, sst)
}

// sheetPath returns the part name of sheet's XML, resolved as excelize
// resolves it: the workbook's relationship of the sheet, relative to the
// workbook part the package's relationships name.
func sheetPath(f *excelize.File, sheet string) (string, bool) {
	if f.WorkBook == nil {
		return "", false
	}
	id, n := "", 0
	for _, s := range f.WorkBook.Sheets.Sheet {
		if strings.EqualFold(s.Name, sheet) {
			id, n = s.ID, n+1
		}
	}
	if n != 1 || id == "" {
		return "", false
	}
	wb := ""
	for _, r := range relationships(f, "_rels/.rels") {
		if r.Type == "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" {
			wb = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	if wb == "" {
		return "", false
	}
	rels := strings.TrimPrefix(filepath.Dir(wb)+"/_rels/"+filepath.Base(wb)+".rels", "/")
	if filepath.Dir(wb) == "." {
		rels = "_rels/" + filepath.Base(wb) + ".rels"
	}
	target, n := "", 0
	for _, r := range relationships(f, rels) {
		if r.ID == id {
			target, n = r.Target, n+1
		}
	}
	if n != 1 {
		return "", false
	}
	p := filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(filepath.Dir(wb)+"/"+target), "\\", "/"), "/"))
	if strings.HasPrefix(target, "/") {
		p = filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(target), "\\", "/"), "/"))
	}
	return p, true
}

type relationship struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
}

// relationships returns the relationships of the part path of f, none if
// it cannot be read.
func relationships(f *excelize.File, path string) []relationship {
	v, _ := f.Pkg.Load(path)
	b, ok := v.([]byte)
	if !ok {
		return nil
	}
	var rs struct {
		Relationship []relationship
	}
	if xml.Unmarshal(b, &rs) != nil {
		return nil
	}
	return rs.Relationship
}

// sheetDataStart returns the offset just past the start tag of sheetData,
// reading everything before it with encoding/xml as excelize does; empty
// is true for <sheetData/>. ok is false if the XML before it is not well
// formed, is not UTF-8, has a row element, or there is no sheetData.
func sheetDataStart(b []byte) (start int, empty, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return 0, false, false
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "row":
				return 0, false, false
			case "sheetData":
				off := int(d.InputOffset())
				if off < 2 || off > len(b) || b[off-1] != '>' {
					return 0, false, false
				}
				return off, b[off-2] == '/', true
			}
		case xml.EndElement:
			if e.Name.Local == "sheetData" {
				return 0, false, false
			}
		}
	}
}

// sharedStrings is a workbook's shared string table, read once.
type sharedStrings struct {
	read, ok bool
	items    []string
}

// get returns shared string i, or ok false if the table cannot be read by
// the fast reader or has no string i, or the string needs excelize's
// unescaping of _xHHHH_.
func (s *sharedStrings) get(f *excelize.File, i int) (string, bool) {
	if !s.read {
		s.read = true
		s.items, s.ok = readSharedStrings(f)
	}
	if !s.ok || i < 0 || i >= len(s.items) || strings.Contains(s.items[i], "_x") {
		return "", false
	}
	return s.items[i], true
}

// readSharedStrings reads xl/sharedStrings.xml, where excelize reads it
// from, if every item is plain text (<si><t>…</t></si>, perhaps with the
// phonetic runs and properties Excel adds to Chinese and Japanese text).
func readSharedStrings(f *excelize.File) ([]string, bool) {
	v, _ := f.Pkg.Load("xl/sharedStrings.xml")
	b, ok := v.([]byte)
	if !ok || len(b) == 0 {
		return nil, false
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	var root xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, false
		}
		if e, ok := tok.(xml.StartElement); ok {
			root = e
			break
		}
	}
	if root.Name.Local != "sst" || root.Name.Space != mainNS {
		return nil, false
	}
	for _, a := range root.Attr {
		if a.Name.Local == "count" || a.Name.Local == "uniqueCount" {
			if _, err := strconv.ParseInt(a.Value, 10, 64); err != nil && a.Value != "" {
				return nil, false
			}
		}
	}
	off := int(d.InputOffset())
	if off < 2 || off > len(b) || b[off-1] != '>' {
		return nil, false
	}
	if b[off-2] == '/' {
		return nil, true
	}
	s := scanner{b: b, i: off}
	var items []string
	for {
		if !s.space() {
			return nil, false
		}
		name, end, ok := s.tag()
		switch {
		case !ok:
			return nil, false
		case end && name == "sst":
			return items, true
		case end || name != "si":
			return nil, false
		}
		attrs, closed, ok := s.attrs()
		if !ok || attrs.r != "" || attrs.t != "" {
			return nil, false
		}
		text := ""
		if !closed {
			if text, ok = s.si(); !ok {
				return nil, false
			}
		}
		items = append(items, text)
	}
}

// si reads the content of an open si element through its end tag: its
// text, with the phonetic runs (<rPh>) and properties (<phoneticPr/>)
// left out as excelize's xlsxSI.String leaves them out. Rich text runs
// (<r>) are not handled.
func (s *scanner) si() (string, bool) {
	var text string
	var seenT, seenPr bool
	for {
		if !s.space() {
			return "", false
		}
		name, end, ok := s.tag()
		switch {
		case !ok:
			return "", false
		case end && name == "si":
			return text, true
		case end:
			return "", false
		case name == "t" && !seenT:
			seenT = true
			a, closed, ok := s.attrs()
			if !ok || a.r != "" || a.t != "" {
				return "", false
			}
			if closed {
				continue
			}
			if text, ok = s.text(); !ok {
				return "", false
			}
			if name, end, ok := s.tag(); !ok || !end || name != "t" {
				return "", false
			}
		case name == "rPh":
			// Decoded into uint32 fields by excelize: a bad number fails
			// the whole table there.
			a, closed, ok := s.attrs()
			if !ok || !numberAttr(a.sb, 32) || !numberAttr(a.eb, 32) {
				return "", false
			}
			if closed {
				continue
			}
			if _, _, ok := s.textElement("rPh", "t"); !ok {
				return "", false
			}
		case name == "phoneticPr" && !seenPr:
			seenPr = true
			a, closed, ok := s.attrs()
			if !ok || !closed || !numberAttr(a.fontID, 63) {
				return "", false
			}
		default:
			return "", false
		}
	}
}

// numberAttr reports whether an attribute excelize decodes into an
// integer field of bits bits (63: a signed int) is absent, empty or a
// plain non-negative number that fits.
func numberAttr(v string, bits int) bool {
	if v == "" {
		return true
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(v, 10, bits)
	return err == nil
}

// scanner reads the restricted XML of sheetData and shared strings. Every
// method returns ok false on anything outside what it handles.
type scanner struct {
	b []byte
	i int
}

// space skips white space; false at the end of the input or on a carriage
// return (which XML normalizes).
func (s *scanner) space() bool {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n':
			s.i++
		default:
			return s.b[s.i] != '\r'
		}
	}
	return false
}

// tag reads "<name" or "</name": the name, whether it is an end tag. An
// end tag is read through its ">".
func (s *scanner) tag() (name string, end, ok bool) {
	n, end, ok := s.tagBytes()
	switch string(n) { // no allocation: the names the reader knows
	case "row", "c", "v", "is", "t", "si", "sst", "sheetData", "rPh", "phoneticPr":
		return string(n), end, ok
	}
	return "?", end, ok
}

// tagBytes is tag, the name a slice of the input.
func (s *scanner) tagBytes() (name []byte, end, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '<' {
		return nil, false, false
	}
	s.i++
	if s.i < len(s.b) && s.b[s.i] == '/' {
		end = true
		s.i++
	}
	j := s.i
	for j < len(s.b) && (s.b[j] >= 'a' && s.b[j] <= 'z' || s.b[j] >= 'A' && s.b[j] <= 'Z') {
		j++
	}
	name = s.b[s.i:j]
	s.i = j
	if len(name) == 0 || s.i >= len(s.b) {
		return nil, false, false
	}
	if end {
		if !s.space() || s.b[s.i] != '>' {
			return nil, false, false
		}
		s.i++
		return name, true, true
	}
	switch s.b[s.i] {
	case ' ', '\t', '\n', '/', '>':
		return name, false, true
	}
	return nil, false, false
}

// attrSet is what the reader uses of a start tag's attributes.
type attrSet struct {
	r, t, s        string
	hasS           bool
	sb, eb, fontID string // of rPh and phoneticPr
}

// attrs reads the attributes of a start tag through its ">" or "/>";
// closed is true for "/>". Values with "<" or "&", and r or t given twice
// or with a prefix, are not handled.
func (s *scanner) attrs() (a attrSet, closed, ok bool) {
	var haveR, haveT bool
	for {
		sp := s.i
		if !s.space() {
			return a, false, false
		}
		switch s.b[s.i] {
		case '>':
			s.i++
			return a, false, true
		case '/':
			if s.i+1 < len(s.b) && s.b[s.i+1] == '>' {
				s.i += 2
				return a, true, true
			}
			return a, false, false
		}
		if s.i == sp {
			return a, false, false // no space before an attribute
		}
		j := s.i
		for j < len(s.b) && (s.b[j] >= 'a' && s.b[j] <= 'z' || s.b[j] >= 'A' && s.b[j] <= 'Z' ||
			s.b[j] >= '0' && s.b[j] <= '9' && j > s.i || s.b[j] == ':' || s.b[j] == '_' || s.b[j] == '-' || s.b[j] == '.') {
			j++
		}
		name := s.b[s.i:j]
		s.i = j
		if len(name) == 0 || !s.space() || s.b[s.i] != '=' {
			return a, false, false
		}
		s.i++
		if !s.space() {
			return a, false, false
		}
		q := s.b[s.i]
		if q != '"' && q != '\'' {
			return a, false, false
		}
		k := bytes.IndexByte(s.b[s.i+1:], q)
		if k < 0 {
			return a, false, false
		}
		val := s.b[s.i+1 : s.i+1+k]
		s.i += k + 2
		if bytes.ContainsAny(val, "<&") || !plainChars(val) {
			return a, false, false
		}
		if c := bytes.LastIndexByte(name, ':'); c >= 0 {
			switch string(name[c+1:]) {
			case "r", "t", "s", "sb", "eb", "fontId":
				return a, false, false
			}
		}
		switch string(name) {
		case "r":
			if haveR {
				return a, false, false
			}
			a.r, haveR = string(val), true
		case "t":
			if haveT {
				return a, false, false
			}
			a.t, haveT = string(val), true
		case "s":
			if a.hasS {
				return a, false, false
			}
			a.s, a.hasS = string(val), true
		case "sb", "eb", "fontId":
			p := &a.sb
			switch string(name) {
			case "eb":
				p = &a.eb
			case "fontId":
				p = &a.fontID
			}
			if *p != "" {
				return a, false, false // a repeat; the last one wins in encoding/xml
			}
			if *p = string(val); *p == "" {
				*p = "0" // empty decodes as 0
			}
		}
	}
}

// text reads character data up to the next "<", decoding the entities
// encoding/xml knows.
func (s *scanner) text() (string, bool) {
	k := bytes.IndexByte(s.b[s.i:], '<')
	if k < 0 {
		return "", false
	}
	raw := s.b[s.i : s.i+k]
	s.i += k
	if bytes.IndexByte(raw, '&') < 0 {
		if !plainChars(raw) {
			return "", false
		}
		return string(raw), true
	}
	var out strings.Builder
	out.Grow(len(raw))
	for len(raw) > 0 {
		c := raw[0]
		if c != '&' {
			if c < 0x20 && c != '\t' && c != '\n' {
				return "", false
			}
			r, n := utf8.DecodeRune(raw)
			if r == utf8.RuneError && n == 1 || !inCharRange(r) {
				return "", false
			}
			out.Write(raw[:n])
			raw = raw[n:]
			continue
		}
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 {
			return "", false
		}
		ent := string(raw[1:semi])
		raw = raw[semi+1:]
		switch ent {
		case "lt":
			out.WriteByte('<')
		case "gt":
			out.WriteByte('>')
		case "amp":
			out.WriteByte('&')
		case "apos":
			out.WriteByte('\'')
		case "quot":
			out.WriteByte('"')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return "", false
			}
			num, base := ent[1:], 10
			if num[0] == 'x' {
				num, base = num[1:], 16
			}
			if num == "" || num[0] == '+' || num[0] == '-' {
				return "", false
			}
			n, err := strconv.ParseUint(num, base, 32)
			if err != nil || !inCharRange(rune(n)) {
				return "", false
			}
			out.WriteRune(rune(n))
		}
	}
	return out.String(), true
}

// plainChars reports whether b is UTF-8 of characters XML allows, with no
// carriage return (which XML normalizes).
func plainChars(b []byte) bool {
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || !inCharRange(r) {
			return false
		}
		i += n
	}
	return true
}

// inCharRange reports whether r is a character XML 1.0 allows.
func inCharRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// textElement reads the content of an open parent element through its
// end tag, where the content is at most one element child (with no
// attributes the reader uses) holding text: "<t>text</t>" or "<t/>".
func (s *scanner) textElement(parent, child string) (text string, seen, ok bool) {
	for {
		if !s.space() {
			return "", false, false
		}
		name, end, ok := s.tag()
		switch {
		case !ok:
			return "", false, false
		case end && name == parent:
			return text, seen, true
		case end || name != child || seen:
			return "", false, false
		}
		seen = true
		a, closed, ok := s.attrs()
		if !ok || a.r != "" || a.t != "" {
			return "", false, false
		}
		if closed {
			continue
		}
		if text, ok = s.text(); !ok {
			return "", false, false
		}
		if name, end, ok := s.tag(); !ok || !end || name != child {
			return "", false, false
		}
	}
}

// sheetData reads the rows of sheetData through its end tag.
func (s *scanner) sheetData(f *excelize.File, sst *sharedStrings) ([][]string, bool) {
	rows := make([][]string, 0, 64)
	last := 0
	for {
		if !s.space() {
			return nil, false
		}
		name, end, ok := s.tag()
		switch {
		case !ok:
			return nil, false
		case end && name == "sheetData":
			return rows, true
		case end || name != "row":
			return nil, false
		}
		a, closed, ok := s.attrs()
		if !ok || a.t != "" {
			return nil, false
		}
		n, err := strconv.Atoi(a.r)
		if err != nil || n <= last || n > excelize.TotalRows {
			return nil, false
		}
		last = n
		if closed {
			continue
		}
		cells, ok := s.row(f, sst)
		if !ok {
			return nil, false
		}
		if len(cells) > 0 {
			for len(rows) < n-1 {
				rows = append(rows, nil)
			}
			rows = append(rows, cells)
		}
	}
}

// row reads the cells of an open row through its end tag.
func (s *scanner) row(f *excelize.File, sst *sharedStrings) ([]string, bool) {
	var cells []string
	last := 0
	for {
		if !s.space() {
			return nil, false
		}
		name, end, ok := s.tag()
		switch {
		case !ok:
			return nil, false
		case end && name == "row":
			return cells, true
		case end || name != "c":
			return nil, false
		}
		a, closed, ok := s.attrs()
		if !ok || a.r == "" {
			return nil, false
		}
		col, _, err := excelize.CellNameToCoordinates(a.r)
		if err != nil || col <= last {
			return nil, false
		}
		if a.hasS {
			// excelize reads a cell with a bad style index as empty.
			if _, err := strconv.ParseInt(a.s, 10, 64); err != nil {
				return nil, false
			}
		}
		last = col
		var v, is string
		var hasIS bool
		if !closed {
			if v, is, hasIS, ok = s.cell(); !ok {
				return nil, false
			}
		}
		var val string
		switch a.t {
		case "", "n":
			val = v
		case "s":
			if v == "" {
				break
			}
			i, err := strconv.Atoi(v)
			if err != nil || v[0] == '+' || v[0] == '-' {
				return nil, false
			}
			if val, ok = sst.get(f, i); !ok {
				return nil, false
			}
		case "inlineStr":
			val = v
			if hasIS {
				if strings.Contains(is, "_x") {
					return nil, false
				}
				val = is
			}
		default:
			return nil, false
		}
		if val == "" {
			continue
		}
		for len(cells) < col-1 {
			cells = append(cells, "")
		}
		cells = append(cells, val)
	}
}

// cell reads the content of an open c element through its end tag: its
// <v> and its inline string <is><t>…</t></is>, each at most once.
func (s *scanner) cell() (v, is string, hasIS, ok bool) {
	var hasV bool
	for {
		if !s.space() {
			return "", "", false, false
		}
		name, end, ok := s.tag()
		switch {
		case !ok:
			return "", "", false, false
		case end && name == "c":
			return v, is, hasIS, true
		case end:
			return "", "", false, false
		case name == "v" && !hasV:
			hasV = true
			a, closed, ok := s.attrs()
			if !ok || a.r != "" || a.t != "" {
				return "", "", false, false
			}
			if closed {
				continue
			}
			if v, ok = s.text(); !ok {
				return "", "", false, false
			}
			if name, end, ok := s.tag(); !ok || !end || name != "v" {
				return "", "", false, false
			}
		case name == "is" && !hasIS:
			hasIS = true
			a, closed, ok := s.attrs()
			if !ok || a.r != "" || a.t != "" {
				return "", "", false, false
			}
			if closed {
				continue
			}
			if is, _, ok = s.textElement("is", "t"); !ok {
				return "", "", false, false
			}
		default:
			return "", "", false, false
		}
	}
}

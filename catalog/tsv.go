package catalog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ParseError is a malformed line of a reference data file. Its message names
// the file, the line and, when one column is at fault, the column:
//
//	sichuan-departments.tsv:12: column 4 (keywords): empty
type ParseError struct {
	File   string // file name as given to the loader
	Line   int    // 1-based line number, 0 when the whole file is at fault
	Column int    // 1-based column number, 0 when the whole line is at fault
	Name   string // column name, if Column > 0
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	if e.Column > 0 {
		return fmt.Sprintf("%s:%d: column %d (%s): %s", e.File, e.Line, e.Column, e.Name, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// maxLine bounds the length of one line of a data file.
const maxLine = 1 << 20

// tsvReader reads a tab-separated file with a header row: lines starting
// with '#' and blank lines are skipped, a UTF-8 byte order mark and CR line
// ends (files saved by Excel or Windows editors) are tolerated.
type tsvReader struct {
	sc     *bufio.Scanner
	file   string
	cols   []string
	line   int
	header bool
}

func newTSVReader(r io.Reader, file string, cols ...string) *tsvReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	return &tsvReader{sc: sc, file: file, cols: cols}
}

// errf returns a *ParseError for column col (1-based, 0 for the whole line)
// of the current line.
func (t *tsvReader) errf(col int, format string, args ...any) error {
	e := &ParseError{File: t.file, Line: t.line, Column: col, Msg: fmt.Sprintf(format, args...)}
	if col > 0 && col <= len(t.cols) {
		e.Name = t.cols[col-1]
	}
	return e
}

// next returns the fields of the next data row, or io.EOF after the last.
func (t *tsvReader) next() ([]string, error) {
	for t.sc.Scan() {
		t.line++
		b := t.sc.Bytes()
		if t.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		}
		b = bytes.TrimSuffix(b, []byte("\r"))
		if len(bytes.TrimSpace(b)) == 0 || b[0] == '#' {
			continue
		}
		if !utf8.Valid(b) {
			return nil, t.errf(0, "invalid UTF-8")
		}
		fields := strings.Split(string(b), "\t")
		if !t.header {
			t.header = true
			if strings.Join(fields, "\t") != strings.Join(t.cols, "\t") {
				return nil, t.errf(0, "header: want %q, got %q", strings.Join(t.cols, " "), strings.Join(fields, " "))
			}
			continue
		}
		if len(fields) != len(t.cols) {
			return nil, t.errf(0, "want %d tab-separated columns, got %d", len(t.cols), len(fields))
		}
		return fields, nil
	}
	if err := t.sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", t.file, t.line+1, err)
	}
	if !t.header {
		return nil, &ParseError{File: t.file, Msg: "no header row"}
	}
	return nil, io.EOF
}

// list splits a |-separated cell of column col into its items, rejecting
// empty items and items with surrounding spaces.
func (t *tsvReader) list(col int, cell string) ([]string, error) {
	if strings.TrimSpace(cell) == "" {
		return nil, t.errf(col, "empty")
	}
	items := strings.Split(cell, "|")
	for i, it := range items {
		if it == "" || strings.TrimSpace(it) == "" {
			return nil, t.errf(col, "item %d is empty", i+1)
		}
		if strings.TrimSpace(it) != it {
			return nil, t.errf(col, "item %q has surrounding spaces", it)
		}
	}
	return items, nil
}

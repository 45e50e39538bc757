package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"luoshi"
	"luoshi/catalog"
	"luoshi/extract"
	"luoshi/source"
	"luoshi/xlsx"
)

// maxInput is the largest file luoshi reads as a report; source.Decode
// rejects larger input with a clear error, and reading stops here so that a
// huge file is never read whole.
const maxInput = source.MaxBytes + 1

// readReport reads, decodes and extracts the report in the file name.
func readReport(name string, opt extract.Options) (*luoshi.Plan, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > source.MaxBytes {
		return nil, luoshi.Errorf(luoshi.EInvalid, "%s: file is %d bytes, larger than the limit of %d bytes (%d MB): not a work report",
			filepath.Base(name), st.Size(), source.MaxBytes, source.MaxBytes>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxInput))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	text, err := source.Decode(filepath.Base(name), data)
	if err != nil {
		return nil, err
	}
	p, err := extract.Extract(text.Text, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	return p, nil
}

// loadCatalog loads a department catalog file, or returns Sichuan's built-in
// one for "".
func loadCatalog(name string) (*catalog.Catalog, error) {
	if name == "" {
		return catalog.Sichuan(), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return catalog.Load(f, filepath.Base(name))
}

// writeTaskTable writes the plan's task table to an .xlsx file, whole or not
// at all.
func writeTaskTable(name string, p *luoshi.Plan) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".luoshi-*.xlsx")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := xlsx.WriteTaskTable(tmp, p); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

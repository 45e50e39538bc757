package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"luoshi"
	"luoshi/catalog"
	"luoshi/delivery"
)

func init() {
	commands["units"] = command{
		summary: "load regions (GB/T 2260) and a department catalog into the store",
		run:     runUnits,
	}
}

func runUnits(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("units", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dsn := dbFlag(fs)
	regions := fs.String("regions", "", "region file (TSV: code, name, parent_code, level); default: Sichuan's, built in")
	depts := fs.String("departments", "", "department catalog (TSV); default: Sichuan's, built in")
	seat := fs.String("seat", "", "GB/T 2260 code of the government the departments belong to (default: the province of the region file)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: luoshi units [--db DSN] [--regions FILE] [--departments FILE --seat CODE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	rs := catalog.SichuanRegions()
	if *regions != "" {
		f, err := os.Open(*regions)
		if err != nil {
			return err
		}
		rs, err = catalog.LoadRegions(f, filepath.Base(*regions))
		f.Close()
		if err != nil {
			return err
		}
	}
	cat := catalog.Sichuan()
	if *depts != "" {
		f, err := os.Open(*depts)
		if err != nil {
			return err
		}
		cat, err = catalog.Load(f, filepath.Base(*depts))
		f.Close()
		if err != nil {
			return err
		}
	}
	s := *seat
	for _, r := range rs {
		if s == "" && r.Level == catalog.LevelProvince {
			s = r.Code
		}
	}
	if s == "" {
		return luoshi.Errorf(luoshi.EInvalid, "the region file has no province; give --seat")
	}
	units := append(delivery.RegionUnits(rs), delivery.DepartmentUnits(cat, s)...)
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.PutUnits(ctx, units); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "stored %d regions and %d departments of %s\n", len(rs), len(units)-len(rs), s)
	return nil
}

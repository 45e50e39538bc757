package xlsx

import (
	"bytes"
	"math/rand"

	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sameRows compares rows as GetRows gives them with sheetRows', an
// absent row and an empty one being the same.
func sameRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// checkSheetRows fails if the fast reader reads a sheet of the workbook b
// differently from excelize; it returns how many sheets it read.
func checkSheetRows(t testing.TB, b []byte) int {
	t.Helper()
	return checkSheetRowsOf(t, func() *excelize.File {
		f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: maxUnzipBytes, UnzipXMLSizeLimit: maxUnzipBytes})
		if err != nil {
			return nil
		}
		return f
	})
}

// checkSheetRowsOf is checkSheetRows of the workbook open returns afresh
// (nil if it cannot be opened).
func checkSheetRowsOf(t testing.TB, open func() *excelize.File) int {
	t.Helper()
	fast := 0
	for _, sheet := range []string{FillSheet, MetaSheet, GuideSheet} {
		f := open()
		if f == nil {
			return fast
		}
		var sst sharedStrings
		got, ok := sheetRows(f, sheet, &sst)
		f.Close()
		if !ok {
			continue
		}
		fast++
		f = open()
		want, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		f.Close()
		if err != nil {
			t.Fatalf("%s: the fast reader read a sheet excelize cannot: %v", sheet, err)
		}
		if !sameRows(got, want) {
			t.Fatalf("%s: fast reader\n%q\nexcelize\n%q", sheet, got, want)
		}
	}
	return fast
}

func TestSheetRows(t *testing.T) {
	src := writeSample(t, sampleTemplate())
	good := fill(t, src, set(goodFill()))
	for name, b := range map[string][]byte{
		"template": src,
		"filled":   good,
		"bench":    filledBench(t, 150),
		"odd text": fill(t, good, set(map[string]any{"M3": "a<b & \"c\" 'd'\n\t制表 ]]>", "M4": " 前后空格 ", "J4": "1,5"})),
	} {
		if n := checkSheetRows(t, b); n != 3 {
			t.Errorf("%s: %d of 3 sheets read by the fast reader", name, n)
		}
	}
}

// withPart returns the workbook b with its part name replaced by data.
func withPart(t testing.TB, b []byte, name string, data []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Pkg.Store(name, data)
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestSheetRowsShapes(t *testing.T) {
	src := fill(t, writeSample(t, sampleTemplate()), set(goodFill()))
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>`
	const tail = `</sheetData></worksheet>`
	sheet := "xl/worksheets/sheet1.xml" // 填报表
	cases := map[string]bool{           // sheetData content -> handled by the fast reader
		`<row r="1"><c r="A1"><v>1</v></c><c r="C1" t="inlineStr"><is><t>x</t></is></c></row><row r="3"><c r="B3" s="2"><v> 2.50 </v></c></row>`: true,
		`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`:                                  true,
		`<row r="2"/><row r="4" spans="1:2"><c r="B4"/><c r="C4"><v></v></c></row>`:      true,
		`<row r="1"><c r="A1"><v>&#34;&#x4E2D;&amp;&lt;</v></c></row>`:                   true,
		`<row r="1"><c r="A1" s="x"><v>1</v></c></row>`:                                  false,
		`<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>`:                              false,
		`<row r="1"><c r="A1" t="b"><v>1</v></c></row>`:                                  false,
		`<row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>`: false,
		`<row r="1"><c r="B1"><v>1</v></c><c r="A1"><v>2</v></c></row>`:                  false,
		`<!-- <row r="1"/> --><row r="1"><c r="A1"><v>1</v></c></row>`:                   false,
		`<row r="1"><c r="A1"><v><![CDATA[1]]></v></c></row>`:                            false,
		`<row r="1"><c r="A1"><v>&nbsp;</v></c></row>`:                                   false,
		`<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row>`:          false,
		`<row r="1"><x:c r="A1"><v>1</v></x:c></row>`:                                    false,
		`<row r="1"><c r="A1"><v>1` + "\r" + `</v></c></row>`:                            false,
		`<row r="1"><c r="A1"><v>` + "\x01" + `</v></c></row>`:                           false,
		`<row><c r="A1"><v>1</v></c></row>`:                                              false,
	}
	for body, handled := range cases {
		b := withPart(t, src, sheet, []byte(head+body+tail))
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var sst sharedStrings
		_, ok := sheetRows(f, FillSheet, &sst)
		f.Close()
		if ok != handled {
			t.Errorf("%s: handled %v, want %v", body, ok, handled)
		}
		checkSheetRows(t, b)
	}
}

// FuzzSheetRows edits the XML of the fill-in sheet and of the shared
// strings: wherever the fast reader reads a sheet, it reads what excelize
// reads.
func FuzzSheetRows(f *testing.F) {
	src := fill(f, writeSample(f, sampleTemplate()), set(goodFill()))
	x := open(f, src)
	sheet, _ := x.Pkg.Load("xl/worksheets/sheet1.xml")
	sst, _ := x.Pkg.Load("xl/sharedStrings.xml")
	x.Close()
	f.Add(string(sheet.([]byte)), string(sst.([]byte)))
	f.Add(strings.Replace(string(sheet.([]byte)), `<v>1500</v>`, `<v>&#49;5&#x30;0</v>`, 1), string(sst.([]byte)))
	f.Add(string(sheet.([]byte)), strings.Replace(string(sst.([]byte)), "<si>", `<si><t xml:space="preserve"> a&amp;b </t></si><si>`, 1))
	f.Fuzz(func(t *testing.T, sheetXML, sstXML string) {
		if len(sheetXML) > 1<<16 || len(sstXML) > 1<<16 {
			return
		}
		checkSheetRowsOf(t, func() *excelize.File {
			f, err := excelize.OpenReader(bytes.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			f.Pkg.Store("xl/worksheets/sheet1.xml", []byte(sheetXML))
			f.Pkg.Store("xl/sharedStrings.xml", []byte(sstXML))
			return f
		})
	})
}

// TestSheetRowsMutations is FuzzSheetRows over a fixed set of random edits
// of the fill-in sheet's XML and the shared strings, so that every test
// run compares the two readers on broken and odd XML.
func TestSheetRowsMutations(t *testing.T) {
	src := fill(t, writeSample(t, sampleTemplate()), set(goodFill()))
	x := open(t, src)
	sv, _ := x.Pkg.Load("xl/worksheets/sheet1.xml")
	tv, _ := x.Pkg.Load("xl/sharedStrings.xml")
	x.Close()
	parts := [][]byte{sv.([]byte), tv.([]byte)}
	rng := rand.New(rand.NewSource(1))
	const alphabet = "<>/\"'=&;#x1 \t\r\nrcvstnA_:!?-"
	n, fast := 200, 0
	if testing.Short() {
		n = 50
	}
	for i := 0; i < n; i++ {
		edited := [][]byte{append([]byte(nil), parts[0]...), append([]byte(nil), parts[1]...)}
		for k := 0; k < 1+rng.Intn(3); k++ {
			p := rng.Intn(2)
			b := edited[p]
			j := rng.Intn(len(b))
			switch rng.Intn(4) {
			case 0:
				b[j] = byte(rng.Intn(256))
			case 1:
				b = append(b[:j], b[j+1:]...)
			case 2:
				b = append(b[:j], append([]byte{alphabet[rng.Intn(len(alphabet))]}, b[j:]...)...)
			case 3:
				b[j] = alphabet[rng.Intn(len(alphabet))]
			}
			edited[p] = b
		}
		fast += checkSheetRowsOf(t, func() *excelize.File {
			f, err := excelize.OpenReader(bytes.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			f.Pkg.Store("xl/worksheets/sheet1.xml", edited[0])
			f.Pkg.Store("xl/sharedStrings.xml", edited[1])
			return f
		})
	}
	t.Logf("%d edits, %d sheets read by the fast reader", n, fast)
	if fast == 0 {
		t.Error("the fast reader read no edited workbook")
	}
}

func TestSharedStringsShapes(t *testing.T) {
	src := fill(t, writeSample(t, sampleTemplate()), set(goodFill()))
	x := open(t, src)
	sv, _ := x.Pkg.Load("xl/sharedStrings.xml")
	x.Close()
	sst := string(sv.([]byte))
	first := strings.Index(sst, "<si>")
	if first < 0 {
		t.Fatalf("no <si> in %s", sst)
	}
	cases := map[string]bool{ // the first shared string -> handled by the fast reader
		`<si><t>正常推进</t><phoneticPr fontId="1" type="noConversion"/></si>`:            true,
		`<si><t xml:space="preserve"> 正常 </t><rPh sb="0" eb="2"><t>せい</t></rPh></si>`: true,
		`<si><t/></si>`: true,
		`<si/>`:         true,
		`<si><t>a</t><phoneticPr fontId="x"/></si>`:           false,
		`<si><t>a</t><rPh sb="-1" eb="0"><t>b</t></rPh></si>`: false,
		`<si><r><rPr><b/></rPr><t>a</t></r></si>`:             false,
		`<si><t>a</t><t>b</t></si>`:                           false,
		`<si><t>a_x000D_b</t></si>`:                           false,
	}
	for item, handled := range cases {
		edited := sst[:first] + item + sst[first:]
		// Every shared string index moves up by one: the first string is
		// the new one, whether or not a cell uses it.
		b := withPart(t, src, "xl/sharedStrings.xml", []byte(edited))
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var ss sharedStrings
		_, ok := ss.get(f, 0)
		f.Close()
		if ok != handled {
			t.Errorf("%s: handled %v, want %v", item, ok, handled)
		}
		checkSheetRows(t, b)
	}
}

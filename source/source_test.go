package source_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"luoshi"
	"luoshi/source"
)

// fixture returns the content of a file in testdata/source.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "source", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// excerpt is the UTF-8 excerpt of the 2025 Sichuan report every encoded
// fixture holds.
func excerpt(t testing.TB) string {
	return string(fixture(t, "sichuan-2025-excerpt.utf8.txt"))
}

func gbEncode(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zipFile is one member of a test zip archive.
type zipFile struct {
	name, body string
}

func makeZip(t testing.TB, files ...zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

func rels(target string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="` + target + `"/></Relationships>`
}

// documentXML is a main document part as Word writes it, with what the
// reader must handle: runs split mid-number, tab stops in paragraph
// properties, a tab and a line break in the text, tracked deletions and
// insertions, a moved passage, a table, a text box whose text Word repeats
// in mc:Fallback, a field, and section properties.
const documentXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" mc:Ignorable="w14">
<w:body>
<w:p w14:paraId="1A2B3C4D"><w:pPr><w:pStyle w:val="Title"/><w:jc w:val="center"/><w:rPr><w:rFonts w:ascii="方正小标宋简体" w:eastAsia="方正小标宋简体"/></w:rPr></w:pPr><w:r><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/></w:rPr><w:t>2025</w:t></w:r><w:r><w:t>年四川省政府工作报告</w:t></w:r></w:p>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs><w:ind w:firstLineChars="200" w:firstLine="640"/></w:pPr><w:r><w:t xml:space="preserve">（四）统筹新型城镇化和乡村全面振兴，推进城乡融合发展。</w:t></w:r></w:p>
<w:p><w:r><w:t>推进以人为本的新型城镇化。改造老旧小区</w:t></w:r><w:del w:id="1" w:author="督查室" w:date="2025-01-10T09:00:00Z"><w:r><w:tab/><w:delText>3000</w:delText></w:r></w:del><w:ins w:id="2" w:author="督查室" w:date="2025-01-10T09:00:00Z"><w:r><w:t>40</w:t></w:r></w:ins><w:r><w:t>00</w:t></w:r><w:r><w:t>个以上、城市危旧房3万套</w:t></w:r><w:moveFrom w:id="3" w:author="督查室" w:date="2025-01-10T09:00:00Z"><w:r><w:t>、城中村10万户</w:t></w:r></w:moveFrom><w:r><w:t>。</w:t></w:r><w:moveTo w:id="4" w:author="督查室" w:date="2025-01-10T09:00:00Z"><w:r><w:t>城中村10万户。</w:t></w:r></w:moveTo></w:p>
<w:p><w:r><w:t>序号</w:t></w:r><w:r><w:tab/></w:r><w:r><w:t>任务</w:t></w:r><w:r><w:br/></w:r><w:r><w:t>第二行</w:t></w:r></w:p>
<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="1000"/><w:gridCol w:w="7000"/></w:tblGrid>
<w:tr><w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>新增普惠性托位1万个</w:t></w:r></w:p></w:tc></w:tr>
</w:tbl>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>名词解释</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>名词解释</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:p><w:fldSimple w:instr=" PAGE "><w:r><w:t>3</w:t></w:r></w:fldSimple><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> DATE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2025年1月20日</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>
<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587"/></w:sectPr>
</w:body>
</w:document>`

const documentText = "2025年四川省政府工作报告\n" +
	"（四）统筹新型城镇化和乡村全面振兴，推进城乡融合发展。\n" +
	"推进以人为本的新型城镇化。改造老旧小区4000个以上、城市危旧房3万套。城中村10万户。\n" +
	"序号\t任务\n第二行\n" +
	"1\n新增普惠性托位1万个\n" +
	"名词解释\n\n" +
	"32025年1月20日\n"

func docx(t testing.TB, document string) []byte {
	return makeZip(t,
		zipFile{"[Content_Types].xml", contentTypes},
		zipFile{"_rels/.rels", rels("word/document.xml")},
		zipFile{"word/document.xml", document},
	)
}

func TestDecode(t *testing.T) {
	text := excerpt(t)
	gb := fixture(t, "sichuan-2025-excerpt.gb18030.txt")
	bom := fixture(t, "sichuan-2025-excerpt.bom.txt")
	tests := []struct {
		name     string // file name
		data     []byte
		want     string
		encoding string
	}{
		{"sichuan-2025.txt", []byte(text), text, source.EncodingUTF8},
		{"bom.txt", bom, string(bom[3:]), source.EncodingUTF8},
		{"gb18030.txt", gb, text, source.EncodingGB18030},
		{"utf16le.txt", fixture(t, "sichuan-2025-excerpt.utf16le.txt"), text, source.EncodingUTF16LE},
		{"utf16be.txt", fixture(t, "sichuan-2025-excerpt.utf16be.txt"), text, source.EncodingUTF16BE},
		// 川𠀀€·—“” in GB18030: 𠀀 is a four-byte sequence.
		{"four-byte.txt", []byte{0xb4, 0xa8, 0x95, 0x32, 0x82, 0x36, 0xa2, 0xe3, 0xa1, 0xa4, 0xa1, 0xaa, 0xa1, 0xb0, 0xa1, 0xb1}, "川𠀀€·—“”", source.EncodingGB18030},
		{"gbk-crlf.txt", gbEncode(t, "各位代表：\r\n现在，我代表省人民政府。\r\n"), "各位代表：\r\n现在，我代表省人民政府。\r\n", source.EncodingGB18030},
		{"report.docx", docx(t, documentXML), documentText, source.EncodingDocx},
		{"upload.bin", docx(t, documentXML), documentText, source.EncodingDocx}, // by signature
		{"REPORT.DOCX", docx(t, documentXML), documentText, source.EncodingDocx},
		{"strict.docx", docx(t, `<w:document xmlns:w="http://purl.oclc.org/ooxml/wordprocessingml/main"><w:body><w:p><w:r><w:t>稳住经济大盘</w:t></w:r></w:p></w:body></w:document>`), "稳住经济大盘\n", source.EncodingDocx},
		{"moved.docx", makeZip(t,
			zipFile{"_rels/.rels", rels("/word/document2.xml")},
			zipFile{"word/document.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>旧稿</w:t></w:r></w:p></w:body></w:document>`},
			zipFile{"word/document2.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>正文</w:t></w:r></w:p></w:body></w:document>`},
		), "正文\n", source.EncodingDocx},
		{"libreoffice.docx", fixture(t, "sichuan-2025-excerpt.libreoffice.docx"),
			"2025年四川省政府工作报告\n" +
				"（四）统筹新型城镇化和乡村全面振兴，推进城乡融合发展。\n" +
				"推进以人为本的新型城镇化。开展城市更新和安全韧性提升行动，改造老旧小区4000个以上、城市危旧房3万套、城中村10万户，更新改造燃气、供排水等老化管道6000公里以上。\n" +
				"序号\n民生实事\n1\n新增普惠性托位1万个\n" +
				"各位代表：\n现在，我代表省人民政府，向大会报告工作。\n",
			source.EncodingDocx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := source.Decode(tt.name, tt.data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Encoding != tt.encoding {
				t.Errorf("Encoding = %q, want %q", got.Encoding, tt.encoding)
			}
			if got.Text != tt.want {
				t.Errorf("Text =\n%q\nwant\n%q", got.Text, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	text := excerpt(t)
	if !utf8.RuneStart(text[1234]) {
		t.Fatal("offset 1234 of the excerpt is not a character boundary")
	}
	badUTF8 := []byte(text[:1234] + "\xff" + text[1234:])
	prefix := gbEncode(t, string([]rune(text)[:200]))
	badGB := append(append(append([]byte{}, prefix...), 0xff), gbEncode(t, string([]rune(text)[200:]))...)
	controlGB := append(append(append([]byte{}, prefix...), 0x01), gbEncode(t, string([]rune(text)[200:]))...)
	nul := []byte(text[:100] + "\x00" + text[100:])
	huge := make([]byte, 50<<20)
	copy(huge, text)

	tests := []struct {
		name string
		data []byte
		want string // the message must contain it
	}{
		{"empty.txt", nil, "empty.txt: file is empty"},
		{"blank.txt", []byte(" \r\n\t\n"), "blank.txt: file is empty"},
		{"blank16.txt", []byte{0xff, 0xfe, ' ', 0, '\n', 0, 0x00, 0x30}, "blank16.txt: file contains no text"},
		{"bom-only.txt", []byte{0xef, 0xbb, 0xbf}, "bom-only.txt: file contains no text"},
		{"huge.txt", huge, "huge.txt: file is 52428800 bytes (50.0 MB), larger than the limit of 16777216 bytes (16.0 MB)"},
		{"report.txt", badUTF8, "report.txt: not UTF-8 or GB18030 text: invalid byte 0xff at byte offset 1234"},
		{"gb.txt", badGB, "gb.txt: not UTF-8 or GB18030 text: invalid byte 0xff at byte offset " + strconv.Itoa(len(prefix)) + " (reading it as GB18030)"},
		{"control.txt", controlGB, "control.txt: not UTF-8 or GB18030 text: invalid byte 0x01 at byte offset " + strconv.Itoa(len(prefix)) + " (reading it as GB18030)"},
		{"garbage.txt", []byte{0xff, 0xfe - 1, 0x80, 0x00 + 1}, "garbage.txt: not UTF-8 or GB18030 text: invalid byte 0xff at byte offset 0"},
		{"bom-bad.txt", []byte("\xef\xbb\xbf四川\xff"), "bom-bad.txt: not UTF-8 text despite its byte order mark: invalid byte 0xff at byte offset 9"},
		{"nul.txt", nul, "nul.txt: binary file: NUL byte at byte offset 100"},
		{"nul16.txt", []byte{0xff, 0xfe, 0xdd, 0x5d, 0, 0}, "nul16.txt: binary file: NUL byte at byte offset 4"},
		{"odd16.txt", []byte{0xfe, 0xff, 0x5d, 0xdd, 0x5d}, "odd16.txt: not UTF-16BE text: odd number of bytes"},
		{"surrogate16.txt", []byte{0xff, 0xfe, 0xdd, 0x5d, 0x00, 0xd8, 0xdd, 0x5d}, "surrogate16.txt: not UTF-16LE text: unpaired surrogate 0xd800 at byte offset 4"},
		{"report.pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "report.pdf: a PDF document, not text"},
		{"report.doc", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "report.doc: a legacy Word .doc"},
		{"encrypted.docx", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, "encrypted.docx: not a Word .docx file: a legacy Word .doc or encrypted Office file"},
		{"fake.docx", []byte(text), "fake.docx: not a Word .docx file: not a zip archive"},
		{"book.xlsx", makeZip(t, zipFile{"xl/workbook.xml", "<workbook/>"}), "book.xlsx: not a Word .docx file: no word/document.xml in the archive"},
		{"broken.docx", docx(t, `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>`), "broken.docx: not a Word .docx file: cannot read word/document.xml"},
		{"blank.docx", docx(t, `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p/><w:p><w:r><w:t> </w:t></w:r></w:p></w:body></w:document>`), "blank.docx: file contains no text"},
		{"deep.docx", docx(t, strings.Repeat("<a>", 1000)+strings.Repeat("</a>", 1000)), "nested more than"},
		{"", nil, "input: file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := source.Decode(tt.name, tt.data)
			if err == nil {
				t.Fatalf("Decode succeeded with %q (%s), want an error", trunc(got.Text), got.Encoding)
			}
			checkError(t, tt.name, err)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// checkError checks that err is an invalid-input *luoshi.Error whose message
// starts with the file name.
func checkError(t testing.TB, name string, err error) {
	t.Helper()
	var e *luoshi.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is a %T, not a *luoshi.Error", err, err)
	}
	if e.Code != luoshi.EInvalid {
		t.Errorf("code = %q, want %q", e.Code, luoshi.EInvalid)
	}
	if name == "" {
		name = "input"
	}
	if !strings.HasPrefix(e.Message, name+": ") {
		t.Errorf("message %q does not start with the file name %q", e.Message, name)
	}
}

func TestDecodeZipBomb(t *testing.T) {
	// A document.xml of 2 MB compresses to a few KB. One archive states its
	// size, the other claims 100 bytes: archive/zip stops reading there.
	body := `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` +
		strings.Repeat("四川", 1<<20/3) + `</w:t></w:r></w:p></w:body></w:document>`
	var compressed bytes.Buffer
	fw, err := flate.NewWriter(&compressed, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, body)
	fw.Close()

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "word/document.xml",
		Method:             zip.Deflate,
		CompressedSize64:   uint64(compressed.Len()),
		UncompressedSize64: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(compressed.Bytes())
	zw.Close()
	lying := buf.Bytes()
	honest := docx(t, body)

	limits := source.Limits{MaxDocumentXML: 1 << 20}
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"lying.docx", lying, "lying.docx: not a Word .docx file: cannot read word/document.xml"},
		{"honest.docx", honest, "honest.docx: word/document.xml is " + strconv.Itoa(len(body)) + " bytes (2.0 MB) uncompressed, larger than the limit of 1048576 bytes (1.0 MB)"},
	} {
		if len(tt.data) > 64<<10 {
			t.Fatalf("%s: the test archive is %d bytes, not a bomb", tt.name, len(tt.data))
		}
		_, err := limits.Decode(tt.name, tt.data)
		if err == nil {
			t.Fatalf("%s: Decode succeeded, want an error", tt.name)
		}
		checkError(t, tt.name, err)
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.want)
		}
	}
	// Under the default limit the honest document reads.
	got, err := source.Decode("honest.docx", honest)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Text, "四川四川") {
		t.Errorf("Text starts %q", trunc(got.Text))
	}
}

// countingReader is an endless reader of 'a' that counts what it gives out.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestRead(t *testing.T) {
	text := excerpt(t)
	got, err := source.Read("sichuan-2025.txt", strings.NewReader(text))
	if err != nil || got.Text != text {
		t.Fatalf("Read = %q, %v", trunc(got.Text), err)
	}

	var r countingReader
	_, err = source.Limits{MaxBytes: 1 << 20}.Read("stream.txt", &r)
	if err == nil {
		t.Fatal("Read of an endless stream succeeded")
	}
	checkError(t, "stream.txt", err)
	if !strings.Contains(err.Error(), "larger than the limit of 1048576 bytes") {
		t.Errorf("error %q does not name the limit", err)
	}
	if r.n > 2<<20 {
		t.Errorf("Read consumed %d bytes of a stream over a 1 MB limit", r.n)
	}

	cause := errors.New("connection reset")
	_, err = source.Read("upload.txt", io.MultiReader(strings.NewReader("四川"), errReader{cause}))
	if !errors.Is(err, cause) {
		t.Errorf("Read error %v does not wrap the reader's error", err)
	}
	checkError(t, "upload.txt", err)
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func FuzzDecode(f *testing.F) {
	text := excerpt(f)
	f.Add("report.txt", []byte(text))
	f.Add("report.txt", fixture(f, "sichuan-2025-excerpt.gb18030.txt"))
	f.Add("report.txt", fixture(f, "sichuan-2025-excerpt.utf16le.txt"))
	f.Add("report.docx", docx(f, documentXML))
	f.Add("report.docx", fixture(f, "sichuan-2025-excerpt.libreoffice.docx"))
	f.Add("garbage.bin", []byte{0xff, 0x00, 0x81, 0x30, 0x81, 0x30, 0x80, 0x1b, 'P', 'K', 3, 4})
	f.Add("report.docx", []byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		got, err := source.Decode(name, data)
		if err != nil {
			checkError(t, name, err)
			return
		}
		if !utf8.ValidString(got.Text) {
			t.Errorf("Decode returned invalid UTF-8 %q", trunc(got.Text))
		}
		if strings.TrimSpace(got.Text) == "" {
			t.Errorf("Decode returned blank text %q", got.Text)
		}
		if got.Encoding == "" {
			t.Error("Decode returned no encoding")
		}
	})
}

func trunc(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

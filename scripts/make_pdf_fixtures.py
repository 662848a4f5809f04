"""Writes the PDFs in tests/fixtures/pdf/ whose fonts use predefined Adobe-GB1 CMaps, as
official-document typesetting systems write them: a Type0 font over the non-embedded STSong-Light,
no /ToUnicode, text encoded by the CMap alone.

  variant-unigb-ucs2.pdf   /Encoding /UniGB-UCS2-H (codes are UCS-2), strings in table order
  variant-gbk-euc.pdf      /Encoding /GBK-EUC-H (codes are GBK bytes), strings drawn in reverse order

Both print the hand-made report of tests/fixtures/extract (make_fixtures.py: its grid of rows with
merged cells; expected values in variant-expected.csv) as ruled tables, numbers right-aligned, the
three tables on three pages, page numbers in the footer. Run from the project root:

  python3 scripts/make_pdf_fixtures.py                 # the two CMap PDFs
  python3 scripts/make_pdf_fixtures.py --libreoffice  # variant-libreoffice.pdf (needs soffice)
"""
import os
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/fixtures/extract"))
# make_fixtures writes its renderings into the working folder when imported: let it write them
# somewhere they do no harm.
_cwd = os.getcwd()
import tempfile  # noqa: E402
with tempfile.TemporaryDirectory() as _tmp:
    os.chdir(_tmp)
    import make_fixtures as mf  # noqa: E402
    os.chdir(_cwd)

SIZE = 7.0
PAD = 2.0
PAGE_W, PAGE_H = 595.0, 842.0


def widths(ncols, table):
    if table == 1:  # the request matrix: three label columns, seven numbers
        return [46, 46, 150] + [38] * 7
    if table == 0:
        return [150] + [110] * (ncols - 1)
    return [35] * ncols


def text_width(s):
    return sum(SIZE * (0.5 if ord(ch) < 128 else 1.0) for ch in s)


def wrap(text, width):
    """Lines of a cell: its own line breaks, then as many characters as fit."""
    out = []
    for part in text.split("\n"):
        line = ""
        for ch in part:
            if text_width(line + ch) > width - 2 * PAD and line:
                out.append(line)
                line = ""
            line += ch
        out.append(line)
    return out


def place(table, rows):
    """Cells as (row, col, colspan, rowspan, text)."""
    cells = []
    for r, row in enumerate(rows):
        c = 0
        for text, cs, rs in row:
            if rs != -1:
                cells.append((r, c, cs, rs, text))
            c += cs
    ncols = max(sum(cs for _, cs, _ in row) for row in rows)
    return cells, ncols


class Page:
    def __init__(self):
        self.ops = []

    def line(self, x0, y0, x1, y1):
        self.ops.append(f"{x0:.2f} {y0:.2f} m {x1:.2f} {y1:.2f} l S")

    def text(self, x, y, s, size, enc):
        self.ops.append(f"BT /F1 {size:g} Tf 1 0 0 1 {x:.2f} {y:.2f} Tm <{enc(s).hex().upper()}> Tj ET")


def draw_table(page, table, rows, top, enc):
    cells, ncols = place(table, rows)
    ws = widths(ncols, table)
    xs = [30.0]
    for w in ws:
        xs.append(xs[-1] + w)
    nrows = len(rows)
    heights = [SIZE + 2 * PAD + 2] * nrows
    for r, c, cs, rs, text in cells:
        if rs == 1:
            need = len(wrap(text, xs[c + cs] - xs[c])) * (SIZE + 1.5) + 2 * PAD
            heights[r] = max(heights[r], need)
    ys = [top]
    for h in heights:
        ys.append(ys[-1] - h)
    texts = []
    for r, c, cs, rs, text in cells:
        x0, x1, y0, y1 = xs[c], xs[c + cs], ys[r], ys[r + rs]
        page.line(x0, y0, x1, y0)
        page.line(x0, y1, x1, y1)
        page.line(x0, y0, x0, y1)
        page.line(x1, y0, x1, y1)
        lines = wrap(text, x1 - x0)
        numeric = text and all(ch in "0123456789.-" for ch in text)
        for k, ln in enumerate(lines):
            y = y0 - PAD - SIZE * 0.9 - k * (SIZE + 1.5)
            x = x1 - PAD - text_width(ln) if numeric else x0 + PAD
            texts.append((x, y, ln))
    return texts, ys[-1]


def build(enc_name, enc, reverse):
    pages = []
    tables = mf.grid()
    for i, (sec, rows) in enumerate(zip(mf.SECTIONS, tables)):
        page = Page()
        top = PAGE_H - 60
        texts = []
        if i == 0:
            texts.append((80, top, mf.TITLE, 14))
            texts.append((40, top - 30, "一、总体情况", SIZE + 2))
            texts.append((40, top - 45, "本年度，全县依法公开政府信息。", SIZE + 2))
            top -= 60
        texts.append((40, top, sec, SIZE + 2))
        cell_texts, bottom = draw_table(page, i, rows, top - 10, enc)
        texts += [(x, y, s, SIZE) for x, y, s in cell_texts]
        if i == 2:
            texts.append((40, bottom - 30, "五、存在的主要问题及改进情况", SIZE + 2))
            texts.append((40, bottom - 45, "无。", SIZE + 2))
        texts.append((PAGE_W / 2, 30, f"- {i + 1} -", SIZE))
        if reverse:
            texts.reverse()
        for x, y, s, size in texts:
            if s:
                page.text(x, y, s, size, enc)
        pages.append(page)

    objs = []

    def add(body):
        objs.append(body)
        return len(objs)

    catalog = add(None)
    pages_id = add(None)
    desc = add(b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
               b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
    cid = add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
              b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
              b"/FontDescriptor %d 0 R /DW 1000 /W [1 95 500] >>" % desc)
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-%s /Encoding /%s "
               b"/DescendantFonts [%d 0 R] >>" % (enc_name.encode(), enc_name.encode(), cid))
    kids = []
    for p in pages:
        data = zlib.compress("\n".join(p.ops).encode("ascii"))
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << /Font << /F1 %d 0 R >> >> "
                        b"/Contents %d 0 R >>" % (pages_id, PAGE_W, PAGE_H, font, content)))
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    objs[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


def main():
    dest = os.path.join(ROOT, "tests/fixtures/pdf")
    os.makedirs(dest, exist_ok=True)
    ucs2 = build("UniGB-UCS2-H", lambda s: s.encode("utf-16-be"), reverse=False)
    gbk = build("GBK-EUC-H", lambda s: s.encode("gbk"), reverse=True)
    for name, data in [("variant-unigb-ucs2.pdf", ucs2), ("variant-gbk-euc.pdf", gbk)]:
        with open(os.path.join(dest, name), "wb") as f:
            f.write(data)
        print(name, len(data), "bytes")


if __name__ == "__main__" and "--libreoffice" not in sys.argv:
    main()


def libreoffice():
    """tests/fixtures/pdf/variant-libreoffice.pdf: the hand-made .docx body (variant-document.xml,
    given table borders) exported by LibreOffice Writer (`soffice --headless --convert-to pdf`).
    Needs soffice (apt-get install libreoffice-writer-nogui); the PDF is committed."""
    import shutil
    import subprocess
    import tempfile
    import zipfile
    xml = open(os.path.join(ROOT, "tests/fixtures/extract/variant-document.xml"), encoding="utf-8").read()
    sides = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                    for s in ["top", "left", "bottom", "right", "insideH", "insideV"])
    # Column widths as Word writes them (twips): the matrix's label columns wide, numbers narrow.
    grids = [[3000, 2000, 2000, 2000], [700, 1300, 2600] + [640] * 7, [600] * 15]
    for cols in grids:
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in cols)
        xml = xml.replace("<w:tblPr/>", f'<w:tblPr><w:tblW w:w="{sum(cols)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
                          f"<w:tblBorders>{sides}</w:tblBorders></w:tblPr><w:tblGrid>{grid}</w:tblGrid>", 1)
    with tempfile.TemporaryDirectory() as tmp:
        docx = os.path.join(tmp, "variant.docx")
        with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml",
                       '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                       '<Default Extension="xml" ContentType="application/xml"/>'
                       '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
            z.writestr("_rels/.rels",
                       '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
            z.writestr("word/document.xml", xml)
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                        "--convert-to", "pdf", "--outdir", tmp, docx], check=True, timeout=300)
        shutil.copy(os.path.join(tmp, "variant.pdf"), os.path.join(ROOT, "tests/fixtures/pdf/variant-libreoffice.pdf"))
        print("variant-libreoffice.pdf", os.path.getsize(os.path.join(tmp, "variant.pdf")), "bytes")


if __name__ == "__main__" and "--libreoffice" in sys.argv:
    libreoffice()

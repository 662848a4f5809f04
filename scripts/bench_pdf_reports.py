"""Writes N distinct report files for scripts/bench-pdf.sh, a quarter each as plain text (pipe
rows), HTML, .docx and PDF (predefined-CMap PDFs from make_pdf_fixtures.build). Each report has its
own body and year and its own random numbers, so no two files are alike.

  python3 scripts/bench_pdf_reports.py OUT_DIR N
"""
import os
import random
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_pdf_fixtures as mpf  # noqa: E402

mf = mpf.mf
COUNTIES = ["喀什市", "疏附县", "疏勒县", "英吉沙县", "泽普县", "莎车县", "叶城县", "麦盖提县", "岳普湖县", "伽师县", "巴楚县"]
CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="xml" ContentType="application/xml"/></Types>')


def randomize(rng, n):
    county = COUNTIES[n % len(COUNTIES)]
    year = 2021 + (n // len(COUNTIES)) % 4
    body = f"{county}人民政府" if n < 44 else f"{county}第{n}局"
    mf.TITLE = f"{body}{year}年政府信息公开工作年度报告"
    mf.ACTIVE = [(t, cols, [(label, [rng.randint(0, 999) for _ in vals], ids) for label, vals, ids in rows])
                 for t, cols, rows in mf.ACTIVE]
    mf.MATRIX = [(p, leaf, id_, [rng.randint(0, 50) for _ in v]) for p, leaf, id_, v in mf.MATRIX]
    mf.APPEALS = [rng.randint(0, 9) for _ in mf.APPEALS]


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2024)
    for k in range(n):
        randomize(rng, k)
        kind = k % 4
        path = os.path.join(out, f"report-{k:05d}")
        if kind == 0:
            open(path + ".txt", "w", encoding="utf-8").write(mf.pipes())
        elif kind == 1:
            open(path + ".html", "w", encoding="utf-8").write(mf.html())
        elif kind == 2:
            with zipfile.ZipFile(path + ".docx", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("[Content_Types].xml", CT)
                z.writestr("word/document.xml", mf.docx_xml())
        else:
            open(path + ".pdf", "wb").write(mpf.build("UniGB-UCS2-H", lambda s: s.encode("utf-16-be"), False))


if __name__ == "__main__":
    main()

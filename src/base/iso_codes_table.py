#!/usr/bin/env python3
"""Writes the C++ code tables of base/codes.cc from the iso-codes package's JSON files.

Run by CMake at build time (CMakeLists.txt): the tables become part of the binary, so that a running
twoline never reads /usr/share/iso-codes and an upgrade of the host's package cannot change what a
journaled command decides (docs/journal.md).

usage: iso_codes_table.py JSON_DIR OUTPUT.cc
"""
import hashlib
import json
import os
import sys

# (file, list key, code key, C++ name, the fewest codes a sane package has)
TABLES = [
    ("iso_3166-1.json", "3166-1", "alpha_2", "kCountries", 200),
    ("iso_3166-2.json", "3166-2", "code", "kSubdivisions", 3000),
    ("iso_4217.json", "4217", "alpha_3", "kCurrencies", 100),
]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source_dir, output = sys.argv[1], sys.argv[2]
    out = [
        "// Generated at build time by src/base/iso_codes_table.py from the iso-codes package's JSON.",
        "// Do not edit: rebuild instead. Sources:",
    ]
    body = []
    for file_name, list_key, code_key, name, fewest in TABLES:
        path = os.path.join(source_dir, file_name)
        with open(path, "rb") as f:
            data = f.read()
        out.append(f"//   {file_name} sha256 {hashlib.sha256(data).hexdigest()}")
        codes = sorted({entry[code_key] for entry in json.loads(data)[list_key] if code_key in entry})
        if len(codes) < fewest:
            sys.exit(f"{path}: only {len(codes)} codes; is the iso-codes package complete?")
        for code in codes:
            if not code.isascii() or '"' in code or "\\" in code:
                sys.exit(f"{path}: unexpected code {code!r}")
        body.append(f"const std::string_view {name}[] = {{")
        line = " "
        for code in codes:
            item = f' "{code}",'
            if len(line) + len(item) > 100:
                body.append(line)
                line = " "
            line += item
        body.append(line)
        body.append("};")
        body.append(f"const size_t {name}Count = {len(codes)};")
    out += ["#include \"base/iso_codes_table.h\"", "", "namespace twoline::iso_codes_table {", ""]
    out += body
    out += ["", "}  // namespace twoline::iso_codes_table", ""]
    text = "\n".join(out)
    # Rewrite only when the content changes, so that a rebuild does not recompile for nothing.
    try:
        with open(output) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output + ".tmp", "w") as f:
        f.write(text)
    os.replace(output + ".tmp", output)


if __name__ == "__main__":
    main()

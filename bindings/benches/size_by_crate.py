"""What the release libredline_ffi.so is made of: symbol sizes from
`nm --print-size`, grouped by the crate that defines them, with the ELF
section sizes for scale. There is no `cargo bloat` offline; this is the same
idea from the symbol table (run it on the unstripped library; the stripped
one has no symbols).

Attribution is approximate: with LTO, generic code from one crate inlined
into another's function counts for the latter. Symbols without a Rust path
are C: they are attributed to the bundled C library whose static archive
(in the build's `build/*/out/*.a`, beside the library) defines the same
name: SQLite (rusqlite) and, since sync is linked, aws-lc (the crypto of
rustls). Both have static functions without a common prefix, so a prefix
rule would misfile them.

Usage: python3 size_by_crate.py path/to/libredline_ffi.so
"""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

# Archive name prefix -> what to call the C code it holds.
C_LIBRARIES = [
    ("libsqlite3", "SQLite (C, bundled by rusqlite)"),
    ("libaws_lc", "aws-lc (C, the crypto of rustls)"),
]


def c_symbol_owners(library):
    """Names defined by the bundled C libraries' archives, by owner."""
    owners = {}
    for archive in sorted((Path(library).parent / "build").glob("*/out/*.a")):
        label = next((l for prefix, l in C_LIBRARIES if archive.name.startswith(prefix)), None)
        if label is None:
            continue
        out = subprocess.run(["nm", "--defined-only", str(archive)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3:
                owners.setdefault(parts[2], label)
    return owners


def crate_of(name, owners):
    # GCC's clones (`foo.constprop.0`, `foo.part.1`) belong to `foo`.
    owner = owners.get(name) or owners.get(name.split(".")[0])
    if owner:
        return owner
    if name.startswith("sqlite3") or name.startswith("sqlite"):
        return "SQLite (C, bundled by rusqlite)"
    # Drop glue is generic code in `core` but belongs to the dropped type.
    for glue in ("core::ptr::drop_in_place<", "core::ptr::drop_in_place::<"):
        if name.startswith(glue):
            return crate_of(name[len(glue):], owners)
    # `<automerge::Foo as core::fmt::Debug>::fmt` belongs to automerge;
    # `<&mut T as …>` and `<[T] as …>` to whatever T is.
    s = name.lstrip("<&*[( ").removeprefix("mut ").removeprefix("dyn ").removeprefix("const ")
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", s)
    if m:
        return m.group(1)
    if name.startswith("uniffi_") or name.startswith("ffi_redline"):
        return "redline_ffi (exported scaffolding)"
    if name.startswith("anon.") or name.startswith(".L"):
        return "(anonymous constants)"
    # What is left has no Rust path and no archive of ours defines it: libc
    # glue, compiler helpers.
    return "other C (runtime glue)"


def main(path):
    out = subprocess.run(["nm", "--print-size", "--size-sort", "--defined-only", "-C", path],
                         check=True, capture_output=True, text=True).stdout
    owners = c_symbol_owners(path)
    sizes = Counter()
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) < 4:
            continue
        _, size, kind, name = parts
        if kind.lower() not in "tdrb":
            continue
        sizes[crate_of(name, owners)] += int(size, 16)
    total = sum(sizes.values())
    sections = subprocess.run(["size", "-A", path], check=True, capture_output=True, text=True).stdout
    wanted = {".text", ".rodata", ".data.rel.ro", ".eh_frame", ".gcc_except_table", ".dynsym", ".dynstr", ".data", ".bss"}
    print("sections (bytes):")
    for line in sections.splitlines():
        parts = line.split()
        if parts and parts[0] in wanted:
            print(f"  {parts[0]:<20} {int(parts[1]):>10,}")
    print(f"symbols by crate (of {total:,} bytes in sized symbols):")
    for crate, size in sizes.most_common(18):
        print(f"  {crate:<45} {size:>10,}  {100 * size / total:5.1f}%")


if __name__ == "__main__":
    main(sys.argv[1])

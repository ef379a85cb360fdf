#!/usr/bin/env python3
"""Keeps core's public headers apart from its internals, reproducibly.

core/include/ce/ holds the headers that ui/, app/ and tests may use; everything else in core/
is internal (the private include folder of ce_core). Code includes a public header as
"ce/<path>", where <path> is where the header used to sit under core/ (for example
"ce/RunData.h", "ce/record/Recording.h", "ce/cli/Cli.h").

  scripts/dev/fix-includes.py            rewrite old-style includes of public headers
                                         ("RunData.h", "record/Recording.h", a sibling "Cli.h"
                                         inside core/cli) to "ce/..." in every C++ file of the tree
  scripts/dev/fix-includes.py --check    change nothing; list what would be rewritten and every
                                         include of a core internal from ui/ or app/; exit 1 if any
  scripts/dev/fix-includes.py move [H...]
                                         `git mv` the public headers (the list below, plus any H
                                         given, as paths under core/) into core/include/ce/, fix
                                         core/CMakeLists.txt's source list, then rewrite includes.
                                         Idempotent: what has moved already is skipped.

Merging a branch made before the split: where a conflict is only in include lines, keep the
other branch's side of the file (git checkout --ours FILE when merging the split into it),
run this script, then --check; a "boundary" line names a core header that ui/ or app/ (or
a public header) now needs: publish it with `move`.

Which headers are public is read from core/include/ce/ itself, so rewriting works on any tree
(run it after merging a branch that still includes the old paths). Only quoted includes are
touched; a header next to the including file that shadows a public name is left alone, as the
compiler would find that one first.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORE = os.path.join(ROOT, "core")
PUBLIC_ROOT = os.path.join(CORE, "include", "ce")

# What ui/ and app/ use, and what those headers include in turn (the closure).
PUBLIC_HEADERS = [
    "Comparison.h", "Engine.h", "Export.h", "Flowchart.h", "Options.h", "Prediction.h",
    "Presets.h", "Replay.h", "RunConfig.h", "RunData.h", "RunFile.h", "Sweep.h", "Types.h",
    "Verdict.h",
    "cli/Cli.h",
    "record/RecordData.h", "record/Recording.h",
]

SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc", ".cxx", ".mm")
SKIP_DIRS = {".git", "build", "node_modules"}
INCLUDE = re.compile(r'^(\s*#\s*include\s*)"([^"]+)"', re.MULTILINE)


def public_headers():
    found = set()
    if os.path.isdir(PUBLIC_ROOT):
        for dirpath, _, files in os.walk(PUBLIC_ROOT):
            for f in files:
                if f.endswith((".h", ".hpp")):
                    found.add(os.path.relpath(os.path.join(dirpath, f), PUBLIC_ROOT).replace(os.sep, "/"))
    return found


def source_files():
    for dirpath, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".") and not d.startswith("build")]
        for f in files:
            if f.endswith(SOURCE_SUFFIXES):
                yield os.path.join(dirpath, f)


def core_dir_of(path):
    """The folder of `path` as core/ saw it before the split ('' for core/ itself), or None."""
    d = os.path.dirname(path)
    for base in (PUBLIC_ROOT, CORE):
        if d == base or d.startswith(base + os.sep):
            return "" if d == base else os.path.relpath(d, base).replace(os.sep, "/")
    return None


def rewrite_target(path, included, public):
    if included.startswith("ce/"):
        return None
    here = os.path.dirname(path)
    if os.path.exists(os.path.join(here, included)) and core_dir_of(path) is None:
        return None  # a file next to the includer wins (ui/, tests/ have their own headers)
    d = core_dir_of(path)
    if d:
        sibling = d + "/" + included
        if sibling in public:
            return "ce/" + sibling
        if os.path.exists(os.path.join(CORE, d, included)):
            return None  # an internal sibling
    if included in public:
        return "ce/" + included
    return None


def rewrite(check):
    public = public_headers()
    changed = []
    for path in source_files():
        with open(path, encoding="utf-8") as f:
            text = f.read()

        def replace(m):
            target = rewrite_target(path, m.group(2), public)
            return m.group(0) if target is None else m.group(1) + '"' + target + '"'

        new = INCLUDE.sub(replace, text)
        if new != text:
            changed.append(os.path.relpath(path, ROOT))
            if not check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    return changed


def internal_includes_outside_core():
    """Includes of core internals from ui/ and app/ (a boundary break) and from tests/ (white box)."""
    public = public_headers()
    found = []
    for top in ("ui", "app", "tests"):
        for path in source_files():
            rel = os.path.relpath(path, ROOT)
            if not rel.startswith(top + os.sep):
                continue
            # The lean worker program is core's own internals in an executable of their own
            # (kernels, protocol, forkserver; no Qt): it links ce_worker_lib, not ce_core.
            if rel == os.path.join("app", "worker_main.cpp"):
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                inc = m.group(2)
                if inc.startswith("ce/") or inc in public:
                    continue
                if os.path.exists(os.path.join(os.path.dirname(path), inc)):
                    continue
                if os.path.exists(os.path.join(CORE, inc)):
                    found.append((top, rel, inc))
    # A public header that includes an internal one would break ui/ and app/ as soon as they
    # include it: the internal must become public too (or the include go).
    for path in source_files():
        if core_dir_of(path) is None or not path.startswith(PUBLIC_ROOT + os.sep):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        d = core_dir_of(path)
        for m in INCLUDE.finditer(text):
            inc = m.group(2)
            if inc.startswith("ce/"):
                continue
            if os.path.exists(os.path.join(CORE, inc)) or (d and os.path.exists(os.path.join(CORE, d, inc))):
                found.append(("core/include", os.path.relpath(path, ROOT), inc))
    return found


def move(extra):
    moved = []
    for header in PUBLIC_HEADERS + extra:
        src = os.path.join(CORE, header)
        dst = os.path.join(PUBLIC_ROOT, header)
        if os.path.exists(dst) or not os.path.exists(src):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        subprocess.run(["git", "mv", src, dst], cwd=ROOT, check=True)
        moved.append(header)
    # core/CMakeLists.txt lists the headers next to their sources: point it at the new place.
    cmake = os.path.join(CORE, "CMakeLists.txt")
    with open(cmake, encoding="utf-8") as f:
        text = f.read()
    new = text
    for header in sorted(public_headers(), key=len, reverse=True):
        new = re.sub(r"(?<=[\s(])" + re.escape(header) + r"(?=[\s)])", "include/ce/" + header, new)
    if new != text:
        with open(cmake, "w", encoding="utf-8") as f:
            f.write(new)
    return moved


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if args and args[0] == "move":
        for header in move(args[1:]):
            print("moved core/%s -> core/include/ce/%s" % (header, header))
        args = []
    if args:
        print(__doc__, file=sys.stderr)
        return 2
    changed = rewrite(check)
    for path in changed:
        print(("would rewrite " if check else "rewrote ") + path)
    problems = 0
    for top, rel, inc in internal_includes_outside_core():
        if top == "tests":
            if check:
                print("white box: %s includes core internal \"%s\" (its target must link ce_core_internal)" % (rel, inc))
        else:
            problems += 1
            print("boundary: %s includes core internal \"%s\": make it public (fix-includes.py move %s) or use a public header"
                  % (rel, inc, inc), file=sys.stderr)
    return 1 if (check and changed) or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

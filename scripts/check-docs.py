#!/usr/bin/env python3
"""Checks the links of README.md, CHANGELOG.md and docs/*.md.

Every relative link must name a file or folder inside the repository, and every #anchor a heading
of the target Markdown file (GitHub's slugs: lower case, punctuation dropped, spaces to hyphens,
"-1", "-2" ... for repeated headings). Links with a scheme (https:, mailto:) are not followed.
Prints each broken link as file:line and exits 1 if there is one.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def slug(heading):
    """GitHub's anchor for a heading text."""
    text = re.sub(r"<[^>]+>", "", heading)                  # inline HTML
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text, flags=re.UNICODE)  # punctuation, but not _ or -
    return text.replace(" ", "-")


def lines_outside_code(path):
    in_fence = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if FENCE.match(line):
                in_fence = not in_fence
                continue
            if not in_fence:
                yield number, line


def anchors(path, cache={}):
    if path not in cache:
        found, seen = set(), {}
        for _, line in lines_outside_code(path):
            match = HEADING.match(line)
            if match:
                base = slug(match.group(2))
                count = seen.get(base, 0)
                seen[base] = count + 1
                found.add(base if count == 0 else f"{base}-{count}")
        for _, line in lines_outside_code(path):  # explicit <a name="..."> / id="..."
            found.update(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", line))
        cache[path] = found
    return cache[path]


def check(path):
    problems = []
    for number, line in lines_outside_code(path):
        line = re.sub(r"`[^`]*`", "", line)  # inline code is no link
        for target in LINK.findall(line):
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
                continue
            file_part, _, anchor = target.partition("#")
            where = f"{os.path.relpath(path, ROOT)}:{number}: {target}"
            resolved = os.path.normpath(
                os.path.join(os.path.dirname(path), file_part)) if file_part else path
            if not (resolved == ROOT or resolved.startswith(ROOT + os.sep)):
                problems.append(f"{where}: outside the repository")
            elif not os.path.exists(resolved):
                problems.append(f"{where}: no such file")
            elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                problems.append(f"{where}: no heading with anchor #{anchor}")
    return problems


def main():
    files = [os.path.join(ROOT, name) for name in ("README.md", "CHANGELOG.md")]
    docs = os.path.join(ROOT, "docs")
    files += sorted(os.path.join(docs, n) for n in os.listdir(docs) if n.endswith(".md"))
    problems = [p for f in files if os.path.exists(f) for p in check(f)]
    for problem in problems:
        print(problem)
    print(f"check-docs: {len(files)} files, {len(problems)} broken links")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

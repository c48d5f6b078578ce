#!/usr/bin/env python3
"""The crate's module graph, from its source: which file module uses which.

Fails when the graph has a cycle. A module and its own submodules count as one
(a folder module re-exports its children, and children use their parent's
private items), so a cycle is between separate features or layers.

    scripts/module-graph.py          check, print cycles if any
    scripts/module-graph.py --dot    the graph in Graphviz dot

Only `crate::`, `super::` and `self::` paths in the source are read; macros
that name modules some other way are not seen.
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def expand_use(tree):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    tree = tree.replace(" ", "").replace("\n", "")
    out = []

    def walk(prefix, s):
        i = s.find("{")
        if i < 0:
            out.append(prefix + s)
            return
        head, body = s[:i], s[i + 1 : s.rfind("}")]
        depth, part, parts = 0, "", []
        for ch in body:
            if ch == "," and depth == 0:
                parts.append(part)
                part = ""
                continue
            depth += ch == "{"
            depth -= ch == "}"
            part += ch
        parts.append(part)
        for p in parts:
            if p:
                walk(prefix + head, p)

    walk("", tree)
    return out


def paths_in(text):
    text = strip_comments(text)
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        found += expand_use(m.group(1))
    found += re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text)
    return found


def resolve(module, path, modules):
    parts = path.split("::")
    if parts[0] == "crate":
        base, rest = (), parts[1:]
    else:
        base = list(module)
        rest = parts
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
        base = tuple(base)
    best = None
    for n in range(len(rest) + 1):
        candidate = base + tuple(rest[:n])
        if candidate in modules:
            best = candidate
    return best


def unit(module, modules):
    """A top feature module: `server::sessions`, `app::logout`, `oidc::end_session`."""
    layers = {"app", "server", "oidc"}
    if module and module[0] in layers:
        cut = 2
        # server::db::<table> and server::protocol::<endpoint> are units of their own.
        if len(module) > 2 and module[1] in ("db", "protocol"):
            cut = 3
        return module[:cut]
    return module[:1]


def main():
    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(dirpath, name)
                files[module_of(path)] = path
    modules = set(files)
    edges = {}
    for module, path in files.items():
        if module in (("bin",),) or path.endswith("main.rs"):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for p in paths_in(text):
            target = resolve(module, p, modules)
            if target is None:
                continue
            a, b = unit(module, modules), unit(target, modules)
            # A parent and its children are one tree: `mod`, re-exports, `super::`.
            related = a[: len(b)] == b or b[: len(a)] == a
            if not related:
                edges.setdefault(a, set()).add(b)
    if "--dot" in sys.argv:
        print("digraph modules {")
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f'  "{"::".join(a)}" -> "{"::".join(b)}";')
        print("}")
        return 0
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            sccs.append(scc)

    sys.setrecursionlimit(10000)
    nodes = set(edges) | {b for bs in edges.values() for b in bs}
    for v in sorted(nodes):
        if v not in index:
            strong(v)
    cycles = [sorted("::".join(m) for m in scc) for scc in sccs if len(scc) > 1]
    for cycle in cycles:
        print("module cycle: {" + ", ".join(cycle) + "}")
        members = {tuple(m.split("::")) for m in cycle}
        for a in sorted(members):
            for b in sorted(edges.get(a, ())):
                if b in members:
                    print(f"    {'::'.join(a)} -> {'::'.join(b)}")
    if cycles:
        return 1
    print(f"module graph: {len(nodes)} modules, {sum(map(len, edges.values()))} edges, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())

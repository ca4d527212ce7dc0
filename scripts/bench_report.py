#!/usr/bin/env python3
"""scripts/bench_report.py — render BENCHMARKS.md from the results scripts/bench collected.

    python3 scripts/bench_report.py --results .sandbox/bench/results --work .sandbox/bench/work --out BENCHMARKS.md

Reads, in --results: meta.env (machine, versions, sizes), GROUP.json (hyperfine exports),
GROUP.cmds (name<TAB>command), GROUP.prepare, GROUP.skip, GROUP.error and rss.tsv
(label<TAB>tool<TAB>peak kB<TAB>command). A group `X-official` is merged into `X` (the
official CLI is timed with fewer runs). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from typing import Dict, List, Optional, Tuple

MIB = 1024 * 1024
ORDER = ["startup", "get", "ls", "files", "register", "stage", "update", "delete",
         "pull-big", "verify-big", "pull-dataset", "pull-quad", "pull-shards", "repull-shards",
         "pull-small300", "pull-meta", "pull-single", "upload-big", "upload-quad", "upload-small"]


class Results:
    def __init__(self, root: str):
        self.root = root
        self.meta = self._meta()
        self.groups: Dict[str, Dict[str, Dict]] = {}  # group -> name -> hyperfine result
        self.cmds: Dict[str, List[Tuple[str, str]]] = {}
        self.prepare: Dict[str, List[str]] = {}
        self.skip: Dict[str, str] = {}
        self.error: Dict[str, str] = {}
        # `X-official` after `X`, so that pxa comes first in the commands listing.
        for fname in sorted(os.listdir(root), key=lambda n: n.replace("-official.", "~.")):
            base, ext = os.path.splitext(fname)
            group = base[: -len("-official")] if base.endswith("-official") else base
            path = os.path.join(root, fname)
            if ext == ".json":
                with open(path, encoding="utf-8") as f:
                    for r in json.load(f)["results"]:
                        self.groups.setdefault(group, {})[r["command"]] = r
            elif ext == ".cmds":
                for line in self._lines(path):
                    name, cmd = line.split("\t", 1)
                    self.cmds.setdefault(group, []).append((name, cmd))
            elif ext == ".prepare":
                self.prepare.setdefault(group, []).extend(self._lines(path))
            elif ext == ".skip":
                self.skip[group] = self._read(path).strip()
            elif ext == ".error":
                self.error[group] = self._read(path).strip()
        self.rss: Dict[Tuple[str, str], int] = {}
        self.rss_cmds: List[Tuple[str, str, str]] = []
        if os.path.exists(os.path.join(root, "rss.tsv")):
            for line in self._lines(os.path.join(root, "rss.tsv")):
                label, tool, kb, cmd = line.split("\t", 3)
                self.rss[(label, tool)] = int(kb)
                self.rss_cmds.append((label, tool, cmd))

    def _meta(self) -> Dict[str, str]:
        meta = {}
        for line in self._lines(os.path.join(self.root, "meta.env")):
            key, _, value = line.partition("=")
            meta[key] = value.strip("'")
        return meta

    @staticmethod
    def _read(path: str) -> str:
        with open(path, encoding="utf-8") as f:
            return f.read()

    def _lines(self, path: str) -> List[str]:
        return [line for line in self._read(path).splitlines() if line.strip()]

    def get(self, group: str, name: str) -> Optional[Dict]:
        return self.groups.get(group, {}).get(name)

    def median(self, group: str, name: str) -> Optional[float]:
        r = self.get(group, name)
        return r["median"] if r else None


# --------------------------------------------------------------------------------------
# formatting


def fmt_t(s: Optional[float]) -> str:
    if s is None:
        return "–"
    if s < 1:
        return f"{s * 1000:.3g} ms" if s * 1000 < 100 else f"{s * 1000:.0f} ms"
    return f"{s:.2f} s"


def cell(r: Optional[Dict]) -> str:
    if not r:
        return "–"
    return f"{fmt_t(r['median'])} ({fmt_t(r['min'])}–{fmt_t(r['max'])}, n={len(r['times'])})"


def ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or b == 0:
        return "–"
    x = a / b
    if x < 0.1:
        return f"{x:.4f} ({b / a:.0f}× faster)"
    if x < 1:
        return f"{x:.2f} ({b / a:.1f}× faster)"
    return f"{x:.2f}"


def mib(kb: Optional[int]) -> str:
    return "–" if kb is None else f"{kb / 1024:.1f} MiB"


def rate(nbytes: int, s: Optional[float]) -> str:
    return "–" if not s else f"{nbytes / MIB / s:.0f} MiB/s"


def status(ok: Optional[bool]) -> str:
    return {True: "**met**", False: "**NOT met**", None: "not measured"}[ok]


# --------------------------------------------------------------------------------------
# sections


class Report:
    def __init__(self, res: Results, work: str):
        self.r = res
        self.m = res.meta
        self.work = work
        self.out: List[str] = []
        self.host = self.m.get("host", "")
        self.quick = self.m.get("quick") == "1"

    def w(self, line: str = "") -> None:
        self.out.append(line)

    def size(self, key: str) -> int:
        return int(self.m.get(key, "0"))

    def rows(self) -> List[Tuple[str, str, str, str, Optional[str]]]:
        """(title, group, pxa name, official name, curl name)."""
        big = self.size("bench_big_bytes") // MIB
        quad = self.size("bench_quad_bytes") // MIB
        files = self.m.get("bench_dataset_files", "?")
        ds = self.size("bench_dataset_bytes") / MIB
        n = self.m.get("bench_ls_versions", "?")
        shard = self.size("bench_shard_bytes") // MIB
        small = self.m.get("bench_small300_files", "?")
        small_mb = self.size("bench_small300_bytes") / MIB
        reqs = self.m.get("files_requests") or "?"
        return [
            ("start-up (`pxa --version` vs `polyaxon version`)", "startup", "pxa", "official", None),
            ("start-up (`pxa --version` vs `polyaxon --help`)", "startup", "pxa", "official-help", None),
            ("get one version", "get", "pxa", "official", "curl"),
            (f"ls all {n} versions (2 pages)", "ls", "pxa", "official", "curl"),
            (f"`files` of the {files}-file folder version (curl: its {reqs} requests in sequence, "
             "one connection)", "files", "pxa", "", "curl"),
            ("… same, curl column = the same requests `--parallel`, 8 at once", "files", "pxa", "",
             "curl-parallel"),
            ("register a new version", "register", "pxa", "official", "curl"),
            ("stage testing → staging", "stage", "pxa", "official", "curl"),
            ("update the description", "update", "pxa", "official", "curl"),
            ("delete a version", "delete", "pxa", "official", "curl"),
            (f"pull one {big} MiB file", "pull-big", "pxa", "official", "curl"),
            ("… same, curl column = one curl making pxa's 4 requests (version, run, listing, file)",
             "pull-big", "pxa", "", "curl-api"),
            (f"pxa's hash (BLAKE3) alone: `pxa verify` of the pulled {big} MiB file", "verify-big",
             "pxa", "", None),
            (f"pull a directory of {files} files ({ds:.0f} MiB)", "pull-dataset", "pxa", "official", "curl"),
            ("… same, curl column = `curl \\| tar -xz` (download and extract, as pxa)",
             "pull-dataset", "pxa", "", "curl+tar"),
            (f"pull a version of 4 entries × {quad} MiB", "pull-quad", "pxa", "official", "curl"),
            (f"pull a model folder of 4 × {shard} MiB shards (curl: the 4 files, 4 at once)",
             "pull-shards", "pxa", "official", "curl-4"),
            ("re-pull the shards with `--skip-existing`, nothing changed (curl column = a full "
             "pxa pull)", "repull-shards", "pxa-skip", "", "pxa-full"),
            (f"pull a folder of {small} small CSV files ({small_mb:.0f} MiB)", "pull-small300",
             "pxa", "official", "curl"),
            ("… same, curl column = `curl \\| tar -xz` (download and extract, as pxa)",
             "pull-small300", "pxa", "", "curl+tar"),
            (f"`pull -a --no-artifacts` of {n} versions (curl column = `pxa ls --all -o json`)",
             "pull-meta", "pxa", "", "ls"),
            ("… same, a re-sync with `--skip-existing`, nothing changed", "pull-meta",
             "pxa-skip", "", "ls"),
        ] + [
            (f"pull single entry {q} ({quad} MiB)", "pull-single", f"pxa {q}", "", f"curl {q}")
            for q in ("q1", "q2", "q3", "q4")
        ] + self.upload_rows()

    def upload_rows(self) -> List[Tuple[str, str, str, str, Optional[str]]]:
        """Issue 13: uploads into the same run (pxa --run-uid, curl -F, `polyaxon ops upload`)."""
        big = self.size("bench_upload_big_bytes") // MIB
        quad = self.size("bench_upload_quad_bytes") // MIB // 4
        files = self.m.get("bench_upload_small_files", "?")
        small = self.size("bench_upload_small_bytes") / MIB
        return [
            (f"upload one {big} MiB file and register it (`--run-uid`; curl: `-F` of the file "
             "alone)", "upload-big", "pxa", "", "curl"),
            ("… same, pxa into a run of its own (creates, checks and finishes the run)",
             "upload-big", "pxa-new-run", "", "curl"),
            (f"upload a folder of 4 × {quad} MiB (curl: the 4 files, 4 at once)", "upload-quad",
             "pxa", "official", "curl-4"),
            (f"upload a folder of {files} small files ({small:.0f} MiB; curl: `tar -c \\| curl -F`)",
             "upload-small", "pxa", "official", "curl+tar"),
        ]

    def header(self) -> None:
        m = self.m
        self.w("# Benchmarks")
        self.w()
        self.w(f"Generated by `scripts/bench` on {m.get('date')}. Do not edit by hand: run "
               "`scripts/bench` (see its header for options) to regenerate this file.")
        self.w()
        if m.get("only"):
            self.w(f"> **Partial run** (`--only {m.get('only')}`): the other sections were not "
                   "timed.")
            self.w()
        if self.quick:
            self.w("> **Quick mode** (`--quick`): tiny sizes, 2 runs, "
                   f"{m.get('profile')} build. The numbers only show that the script works; "
                   "they say nothing about speed.")
            self.w()
        elif m.get("profile") == "debug":
            self.w(f"> pxa was a **{m.get('profile')} build**: its timings are not representative.")
            self.w()
        self.w("pxa, the official Python CLI and bare `curl` are timed side by side in the same "
               "run, against the same local sandbox server, so the ratios are what matters; the "
               "absolute numbers depend on this machine and on its load.")
        self.w()
        self.w("## Machine and versions")
        self.w()
        self.w("| | |")
        self.w("|---|---|")
        for label, key in [("CPU", "cpu"), ("cores", "cores"), ("memory", "memory"),
                           ("kernel", "kernel"),
                           ("load average (1/5/15 min) before / after", "load"),
                           ("pxa", "pxa"), ("polyaxon (official CLI)", "polyaxon"),
                           ("haupt (sandbox server)", "haupt"), ("Python", "python"),
                           ("curl", "curl"), ("hyperfine", "hyperfine"), ("rustc", "rustc")]:
            value = m.get(key, "?")
            if key == "pxa":
                profile = m.get("profile", "?")
                value += f" ({profile} build)" if profile in ("release", "debug") else f" ({profile})"
            self.w(f"| {label} | {value} |")
        self.w()

    def method(self) -> None:
        m = self.m
        big = self.size("bench_big_bytes") // MIB
        huge = self.size("bench_huge_bytes") // MIB
        quad = self.size("bench_quad_bytes") // MIB
        self.w("## Method")
        self.w()
        self.w("* Server: a fresh `haupt` sandbox (SQLite, local artifact store) on 127.0.0.1, "
               "started by `scripts/sandbox` and seeded by `scripts/bench_seed.py`: project "
               f"`pxa-bench` with one run holding a {big} MiB file, a {huge} MiB file (peak RSS at a "
               f"second size), a directory of {m.get('bench_dataset_files')} random files of "
               f"1–64 KiB nested up to 3 levels ({self.size('bench_dataset_bytes') / MIB:.0f} MiB) and four "
               f"{quad} MiB files, each a lineage entry, plus a model folder of 4 random "
               f"{self.size('bench_shard_bytes') // MIB} MiB shards (`shards`, lineage kind `model`) and "
               f"a folder of {m.get('bench_small300_files')} CSV files of 8–56 KiB in 6 sub-folders "
               f"(`small300`, {self.size('bench_small300_bytes') / MIB:.0f} MiB); versions `big`, `huge`, "
               "`dataset`, `shards`, `small300`, `quad` "
               "(the four entries) and `q1`…`q4` (one entry each); project `pxa-bench-ls` with "
               f"{m.get('bench_ls_versions')} versions; project `pxa-bench-write` for the writes.")
        self.w("* Timing: `hyperfine -N` (no shell), medians with min–max over n runs; "
               f"{m.get('warmup')} warm-up run(s) per command; {m.get('runs')} runs for the official "
               f"CLI's reads and every write, {m.get('read_runs')} for pxa's and curl's `get`/`ls`, "
               f"{m.get('startup_runs')} for pxa's start-up, {m.get('pull_runs')} for pxa/curl pulls, "
               f"{m.get('official_pull_runs')} for the official CLI's pulls. pxa's and curl's pulls "
               "run in rounds of 2 runs of each command (warm-up in the first round only), merged: "
               "the sandbox's pace drifts within a minute, and rounds spread that drift over every "
               "command. `ratio` = pxa median ÷ the other tool's median (below 1: pxa is faster).")
        self.w("* Every CLI runs with an isolated `HOME` and `POLYAXON_HOST` set, nothing else. "
               "Outputs of `get`/`ls` go to a pipe (`--output=pipe`).")
        self.w("* Writes: every timed run starts from the same server state — a `--prepare` "
               "script deletes (register) or deletes and re-creates (stage, update, delete) the "
               "version first, through the API with curl; each tool has its own version name.")
        self.w("* Pulls: the server caches every file and tarball it serves (contract §12), so "
               "each stream was fetched once with curl before timing: every tool sees the same "
               "warm server. Every run starts without its target folder (`--prepare rm -rf`); in the "
               "directory group the prepare script moves the previous run's output into a trash "
               "folder instead, emptied after the group, untimed: deleting 2,000 files right "
               "before a run makes ext4 here skip the just-freed inodes one by one while the run "
               "creates files (~0.35 s more CPU per directory pull, measured, for pxa and tar "
               "alike). "
               "pxa uses its default `-j 4`. The curl baseline writes the same stream URLs to "
               "files (`curl -o`, the directory as its `.tar.gz`, not extracted; the four entries "
               "as four curl processes in parallel): the server-and-loopback limit. Single files "
               "are asked for with `force=true` by both, as pxa does to get the store's current "
               "bytes (the server then refreshes its cache copy before answering).")
        self.w("* Folder pulls (issue 12): `shards` is also fetched by four curls at once, one per "
               "file with `force=true` (what per-file requests can do); the official CLI's pull of "
               "it is timed once when that run takes over 5 s (n in the table). `repull-shards` "
               "pulls into a folder a first untimed pull filled (hyperfine `--setup`) and compares "
               "with a full pull; `pull-meta` compares `pull -a --no-artifacts` of "
               "`pxa-bench-ls` (a first pull into a folder moved aside untimed, and a re-sync "
               "with `--skip-existing` of a folder an untimed pull filled) with `ls --all` of it.")
        self.w("* Uploads (issue 13): project `pxa-bench-upload` with one empty run; every tool "
               "sends into that run: pxa with `--run-uid` (its whole publish: version, lineage, "
               "the check of every size with the tree), `curl -F` of the same file (the bare "
               "upload), `polyaxon ops upload` of the same folder (it sends a tar.gz). A prepare "
               "script deletes the previous run's version and files first, through the API. "
               "`pxa-new-run` is the whole `pxa upload` into a run of its own (created, marked "
               "running and succeeded). The official CLI is timed in a group of its own with "
               "fewer runs.")
        self.w("* `files` (issue 16): `pxa files` of the version `dataset` (a folder of "
               f"{m.get('bench_dataset_files')} files in nested folders), TSV to a pipe, against one "
               f"curl process making the same {m.get('files_requests') or '?'} requests (the version, "
               "its run, one tree listing per folder, the folders read from the store; the script "
               "checks with `pxa -v` that pxa sends as many) from a config file, in sequence on one "
               "connection, and `--parallel` 8 at once. pxa must list a folder before its "
               "sub-folders; curl knows every URL from the start.")
        self.w("* Peak RSS: `/usr/bin/time -v` (maximum resident set size), the largest of "
               f"{m.get('rss_runs')} run(s).")
        self.w()

    def targets(self) -> None:
        r = self.r
        self.w("## Targets")
        self.w()
        if self.quick:
            self.w("Quick mode: computed for completeness, not assessed.")
            self.w()
        self.w("A missed pull target is the server's limit when curl, fetching the same stream URLs "
               "from the same server, is no faster; otherwise it is pxa's.")
        self.w()
        self.w("| target | status | numbers | if missed: limited by |")
        self.w("|---|---|---|---|")
        for name, ok, numbers, where in self.target_rows(r):
            self.w(f"| {name} | {status(ok)} | {numbers} | {where if ok is False else ''} |")
        self.w()

    def target_rows(self, r: Results) -> List[Tuple[str, Optional[bool], str, str]]:
        out = []
        px = r.median("startup", "pxa")
        offs = [x for x in (r.median("startup", "official"), r.median("startup", "official-help")) if x]
        if px and offs:
            speedup = min(offs) / px
            out.append(("start-up ≥ 100× faster than the official CLI", speedup >= 100,
                        f"pxa {fmt_t(px)} vs fastest official {fmt_t(min(offs))}: {speedup:.0f}×", "pxa"))
        else:
            out.append(("start-up ≥ 100× faster than the official CLI", None, "–", ""))
        out.append(("start-up median < 5 ms", None if px is None else px < 0.005, f"pxa {fmt_t(px)}", "pxa"))
        for group, label in (("get", "get"), ("ls", "ls --all")):
            p, c = r.median(group, "pxa"), r.median(group, "curl")
            ok = None if p is None or c is None else p / c <= 1.2
            out.append((f"`{label}` ≤ 1.2× a bare curl of the same endpoint(s)", ok,
                        f"pxa {fmt_t(p)} vs curl {fmt_t(c)}: {ratio(p, c)}",
                        "pxa (curl is faster on the same endpoints)"))
        out.append(self.files_target(r))
        for group, label, nbytes in (("pull-big", "the big file", self.size("bench_big_bytes")),
                                     ("pull-dataset", "the directory", self.size("bench_dataset_bytes"))):
            p, c = r.median(group, "pxa"), r.median(group, "curl")
            ok = None if p is None or c is None else c / p >= 0.9
            nums = "–" if ok is None else (
                f"pxa {rate(nbytes, p)} vs curl {rate(nbytes, c)}: {c / p:.2f}× curl "
                f"(pxa {fmt_t(p)}, curl {fmt_t(c)})")
            where = "pxa (curl is faster on the same stream)"
            if ok is not None:
                nums, where = self.same_work(r, group, p, nums, where)
            out.append((f"pull throughput ≥ 0.9× curl: {label}", ok, nums, where))
        out.append(self.quad_target(r))
        out.extend(self.folder_targets(r))
        out.extend(self.rss_targets(r))
        out.extend(self.upload_targets(r))
        return out

    def files_target(self, r: Results) -> Tuple[str, Optional[bool], str, str]:
        """Issue 16: `files` of the 2,000-file folder within 2x the raw requests it needs."""
        files = self.m.get("bench_dataset_files", "?")
        name = f"`files` of the {files}-file folder ≤ 2× curl making its requests (one connection)"
        if "files" in r.skip:
            return name, None, r.skip["files"], ""
        p, c, par = (r.median("files", x) for x in ("pxa", "curl", "curl-parallel"))
        if p is None or c is None:
            return name, None, "–", ""
        nums = f"pxa {fmt_t(p)} vs curl {fmt_t(c)}: {p / c:.2f}×"
        if par:
            nums += f"; curl `--parallel` {fmt_t(par)}: pxa at {p / par:.2f}×"
        return name, p / c <= 2.0, nums, "pxa (curl makes the same requests)"

    def upload_targets(self, r: Results) -> List[Tuple[str, Optional[bool], str, str]]:
        """Issue 13: upload throughput against curl, speed against the official CLI, memory."""
        out = []
        nbytes = self.size("bench_upload_big_bytes")
        p, c = r.median("upload-big", "pxa"), r.median("upload-big", "curl")
        ok = None if p is None or c is None else c / p >= 0.9
        nums = "–" if ok is None else (
            f"pxa {rate(nbytes, p)} vs curl {rate(nbytes, c)}: {c / p:.2f}× curl "
            f"(pxa {fmt_t(p)}, curl {fmt_t(c)}, pxa's run included: version, lineage, tree check)")
        out.append(("upload throughput ≥ 0.9× `curl -F`: the big file, same run", ok, nums,
                    "pxa (its API requests around the same upload)"))
        p, o = r.median("upload-quad", "pxa"), r.median("upload-quad", "official")
        ok = None if p is None or o is None else o / p >= 3
        runs = len((r.get("upload-quad", "official") or {}).get("times", []))
        out.append(("4-file folder: pxa ≥ 3× faster than `polyaxon ops upload`", ok,
                    "–" if ok is None else f"pxa {fmt_t(p)} vs official {fmt_t(o)} ({runs} runs): "
                    f"{o / p:.1f}×", "pxa"))
        up = {label: kb for (label, tool), kb in r.rss.items()
              if tool == "pxa" and label.startswith("upload-")}
        worst = max(up.values()) if up else None
        out.append(("peak RSS of every pxa upload ≤ 32 MiB, whatever the size", None if worst is None
                    else worst <= 32 * 1024,
                    ", ".join(f"{label[len('upload-'):]} {mib(kb)}" for label, kb in up.items()) or "–",
                    "pxa"))
        return out

    def folder_targets(self, r: Results) -> List[Tuple[str, Optional[bool], str, str]]:
        """Issue 12: folders fetched per file or as tarballs, re-pulls, metadata pulls."""
        out = []

        def at_most(name: str, group: str, a: str, b: str, limit: float, where: str) -> None:
            p, c = r.median(group, a), r.median(group, b)
            ok = None if p is None or c is None else p / c <= limit
            nums = "–" if ok is None else f"{a} {fmt_t(p)} vs {b} {fmt_t(c)}: {p / c:.2f}×"
            if group in r.skip:
                nums = r.skip[group]
            out.append((name, ok, nums, where))

        at_most("shards: pxa ≤ 1.3× curl fetching the 4 files 4 at once", "pull-shards", "pxa",
                "curl-4", 1.3, "pxa (curl fetches the same files per-file)")
        p, o = r.median("pull-shards", "pxa"), r.median("pull-shards", "official")
        ok = None if p is None or o is None else o / p >= 10
        runs = len((r.get("pull-shards", "official") or {}).get("times", []))
        out.append(("shards: pxa ≥ 10× faster than the official CLI", ok,
                    "–" if ok is None else f"pxa {fmt_t(p)} vs official {fmt_t(o)} "
                    f"({runs} run{'s' if runs != 1 else ''}): {o / p:.1f}×", "pxa"))
        at_most("2,000-file folder: pxa ≤ 1.0× `curl -o` of its tarball", "pull-dataset", "pxa",
                "curl", 1.0, "pxa")
        at_most("300-file folder: pxa ≤ 1.1× `curl -o` of its tarball", "pull-small300", "pxa",
                "curl", 1.1, "pxa")
        at_most("re-pull of the shards with `--skip-existing`: ≤ 5 % of a full pull",
                "repull-shards", "pxa-skip", "pxa-full", 0.05, "pxa")
        at_most("`pull -a --no-artifacts` within 2× `ls --all`: a first pull", "pull-meta",
                "pxa", "ls", 2.0,
                "the server: one GET per version (the list's objects lack content, readme and "
                "meta_info, so version.plx.json cannot be made from them)")
        at_most("`pull -a --no-artifacts --skip-existing` within 2× `ls --all`: a re-sync",
                "pull-meta", "pxa-skip", "ls", 2.0, "pxa")
        return out

    def same_work(self, r: Results, group: str, p: float, nums: str,
                  where: str) -> Tuple[str, str]:
        """Adds the reference doing the same work as pxa (download + extract for a tarball; the
        same four requests for a file) and, when pxa keeps up with it, says so."""
        if group != "pull-dataset":
            same = r.median(group, "curl-api")
            if not same:
                return nums, where
            hashing = r.median("verify-big", "pxa")
            nums += f"; one curl making pxa's 4 requests {fmt_t(same)}: pxa at {same / p:.2f}×"
            if same / p >= 0.9:
                where = ("the server's API: before the file, pxa must look up the version, its "
                         "run and the file's size (3 requests `curl -o` skips); against one curl "
                         f"making the same 4 requests pxa is at {same / p:.2f}×")
            elif hashing:
                where += (f"; pxa also hashes every byte (`pxa verify` of the file alone: "
                          f"{fmt_t(hashing)})")
            return nums, where
        same, what, how = r.median(group, "curl+tar"), "extraction", "`curl \\| tar -xz`"
        doing = "`curl -o` only saves the tarball"
        if not same:
            return nums, where
        nums += f"; {how} {fmt_t(same)}: pxa at {same / p:.2f}× its throughput"
        if same / p >= 0.9:
            where = (f"pxa's {what}: {doing}; against {how} (the same work) pxa is at "
                     f"{same / p:.2f}×")
        return nums, where

    def quad_target(self, r: Results) -> Tuple[str, Optional[bool], str, str]:
        name = "4-entry version ≤ 1.3× the slowest single entry"
        quad = r.median("pull-quad", "pxa")
        singles = [r.median("pull-single", f"pxa q{i}") for i in range(1, 5)]
        if quad is None or None in singles:
            return name, None, "–", ""
        slow = max(singles)
        cq = r.median("pull-quad", "curl")
        cs = [r.median("pull-single", f"curl q{i}") for i in range(1, 5)]
        curl, where = "", "pxa"
        if cq is not None and None not in cs:
            c_ratio = cq / max(cs)
            curl = (f"; curl: 4 in parallel {fmt_t(cq)} vs its slowest single "
                    f"{fmt_t(max(cs))} = {c_ratio:.2f}×")
            if c_ratio > 1.3:
                where = (f"the server: 4 parallel curls take {c_ratio:.2f}× their slowest single "
                         "(it does not serve 4 streams at once any faster)")
        return name, quad / slow <= 1.3, (
            f"pxa: 4 entries {fmt_t(quad)} vs slowest single {fmt_t(slow)} = {quad / slow:.2f}×{curl}"), where

    def rss_targets(self, r: Results) -> List[Tuple[str, Optional[bool], str, str]]:
        pxa = {label: kb for (label, tool), kb in r.rss.items()
               if tool == "pxa" and not label.startswith("upload-")}
        if not pxa:
            return [("peak RSS of every pxa pull ≤ 32 MiB", None, "–", ""),
                    ("peak RSS ≤ 32 MiB at both file sizes", None, "–", "")]
        worst = max(pxa.values())
        nums = ", ".join(f"{label} {mib(kb)}" for label, kb in pxa.items())
        big, huge = pxa.get("big"), pxa.get("huge")
        b = self.size("bench_big_bytes") // MIB
        h = self.size("bench_huge_bytes") // MIB
        flat_ok = None if big is None or huge is None else max(big, huge) <= 32 * 1024
        flat = "–" if flat_ok is None else (
            f"{b} MiB file: {mib(big)}, {h} MiB file: {mib(huge)} ({(huge - big) / 1024:+.1f} MiB)")
        return [("peak RSS of every pxa pull ≤ 32 MiB", worst <= 32 * 1024, nums, "pxa"),
                (f"peak RSS ≤ 32 MiB at both {b} MiB and {h} MiB", flat_ok, flat, "pxa")]

    def table(self) -> None:
        r = self.r
        self.w("## Results")
        self.w()
        self.w("Median (min–max, n runs). `pxa/official` and `pxa/curl`: ratio of medians.")
        self.w()
        self.w("| benchmark | pxa | official CLI | curl | pxa/official | pxa/curl |")
        self.w("|---|---|---|---|---|---|")
        for title, group, p, o, c in self.rows():
            if group in r.skip:
                self.w(f"| {title} | {r.skip[group]} | | | | |")
                continue
            if group in r.error and group not in r.groups:
                self.w(f"| {title} | failed (see `.sandbox/bench/results/{group}.log`) | | | | |")
                continue
            rp, ro = r.get(group, p), r.get(group, o) if o else None
            rc = r.get(group, c) if c else None
            mp = rp and rp["median"]
            self.w(f"| {title} | {cell(rp)} | {cell(ro)} | {cell(rc)} | "
                   f"{ratio(mp, ro and ro['median'])} | {ratio(mp, rc and rc['median'])} |")
        self.w()

    def rss_table(self) -> None:
        r = self.r
        self.w("## Peak RSS of pulls and uploads")
        self.w()
        if "rss" in r.skip:
            self.w(r.skip["rss"])
            self.w()
            return
        sizes = {"big": f"{self.size('bench_big_bytes') // MIB} MiB file",
                 "huge": f"{self.size('bench_huge_bytes') // MIB} MiB file",
                 "dataset": f"directory of {self.m.get('bench_dataset_files')} files",
                 "quad": f"4 entries × {self.size('bench_quad_bytes') // MIB} MiB"}
        self.w("| pull | pxa | official CLI | curl |")
        self.w("|---|---|---|---|")
        for label, title in sizes.items():
            vals = [r.rss.get((label, t)) for t in ("pxa", "official", "curl")]
            self.w(f"| {title} (`{label}`) | " + " | ".join(mib(v) for v in vals) + " |")
        self.w()
        uploads = {"upload-big": f"{self.size('bench_upload_big_bytes') // MIB} MiB file",
                   "upload-huge": f"{self.size('bench_upload_huge_bytes') // MIB} MiB file",
                   "upload-quad": f"folder of 4 × {self.size('bench_upload_quad_bytes') // MIB // 4} MiB",
                   "upload-small": f"folder of {self.m.get('bench_upload_small_files')} small files"}
        if any((label, "pxa") in r.rss for label in uploads):
            self.w("| upload | pxa | official CLI | curl |")
            self.w("|---|---|---|---|")
            for label, title in uploads.items():
                vals = [r.rss.get((label, t)) for t in ("pxa", "official", "curl")]
                self.w(f"| {title} (`{label}`) | " + " | ".join(mib(v) for v in vals) + " |")
            self.w()

    def cpu_table(self) -> None:
        """CPU time (user + system, mean of the timed runs) of each pull: on a 2-core machine
        the client's CPU competes with the server's for the same cores."""
        r = self.r
        rows = [(t, g, p, o, c) for t, g, p, o, c in self.rows() if g.startswith("pull-")]
        if not any(r.groups.get(g) for _, g, _, _, _ in rows):
            return
        self.w("## CPU time of pulls")
        self.w()
        self.w("User + system CPU seconds per run (mean), from hyperfine. The server runs on the "
               "same cores, so a client's CPU time is taken from the server's.")
        self.w()
        self.w("| pull | pxa | official CLI | curl |")
        self.w("|---|---|---|---|")
        for title, group, p, o, c in rows:
            vals = []
            for name in (p, o, c):
                res = r.get(group, name) if name else None
                vals.append("–" if not res else f"{res['user'] + res['system']:.2f} s "
                            f"({res['user']:.2f} user + {res['system']:.2f} sys)")
            self.w(f"| {title} | " + " | ".join(vals) + " |")
        self.w()

    def commands(self) -> None:
        r = self.r
        self.w("## Exact commands")
        self.w()
        self.w("Run by `hyperfine -N` (no shell) from the bench work folder (`out/`, `prep/` are "
               "relative to it) with the environment `HOME=<empty folder> POLYAXON_HOST=$HOST "
               "POLYAXON_NO_OP=false NO_COLOR=1 COLUMNS=400`; `pxa` is the binary under test, "
               "`polyaxon` the venv's official CLI. `$HOST` is the sandbox URL (a free loopback "
               "port), `$RUN` the seeded run's uuid.")
        self.w()
        for group in ORDER:
            if group in r.skip:
                self.w(f"* `{group}`: {r.skip[group]}")
                continue
            if group not in r.cmds:
                continue
            self.w(f"### {group}")
            self.w()
            self.w("```sh")
            for name, cmd in r.cmds[group]:
                self.w(f"{self.clean(cmd)}    # {name}")
            self.w("```")
            self.preps(group)
            self.w()
        if r.rss_cmds:
            self.w("### peak RSS")
            self.w()
            self.w("```sh")
            for label, tool, cmd in r.rss_cmds:
                self.w(f"rm -rf out; /usr/bin/time -v {self.clean(cmd)}    # {label}, {tool}")
            self.w("```")
            self.w()

    def preps(self, group: str) -> None:
        """The scripts a group runs (`--prepare` ones and commands written as scripts).
        Scripts that differ only by their own name (one version per tool) are shown once,
        with that name as `$NAME`."""
        refs = list(self.r.prepare.get(group, [])) + [c for _, c in self.r.cmds.get(group, [])]
        bodies: Dict[str, List[str]] = {}
        for ref in sorted(set(x for x in refs if x.startswith("sh prep/"))):
            path = os.path.join(self.work, ref.split(" ", 1)[1])
            if not os.path.exists(path):
                continue
            name = os.path.splitext(os.path.basename(path))[0]
            with open(path, encoding="utf-8") as f:
                body = "\n".join(self.clean(x) for x in f.read().splitlines()[2:])
            bodies.setdefault(body.replace(name, "$NAME"), []).append(name)
        short = [(b, n) for b, n in bodies.items() if "\n" not in b and len(n) == 1]
        if short:
            self.w("Scripts: " + "; ".join(f"`prep/{n[0]}.sh` = `{b}`" for b, n in short) + ".")
            self.w()
        for body, names in bodies.items():
            if (body, names) in short:
                continue
            what = f"`prep/{names[0]}.sh`" if len(names) == 1 else (
                "`prep/$NAME.sh` for NAME in " + ", ".join(f"`{n}`" for n in names))
            self.w(f"{what}:")
            self.w()
            self.w("```sh")
            self.w(body)
            self.w("```")

    def clean(self, text: str) -> str:
        text = text.replace(self.host, "$HOST")
        run = self.m.get("bench_run")
        return text.replace(run, "$RUN") if run else text

    def render(self) -> str:
        self.header()
        self.targets()
        self.table()
        self.rss_table()
        self.cpu_table()
        self.method()
        self.commands()
        failed = sorted(set(self.r.error) - set(self.r.skip))
        if failed:
            self.w("## Errors")
            self.w()
            for group in failed:
                self.w(f"* `{group}`:")
                self.w("  ```")
                for line in self.r.error[group].splitlines()[-8:]:
                    self.w("  " + self.clean(line))
                self.w("  ```")
            self.w()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(self.out)).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    text = Report(Results(args.results), args.work).render()
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""scripts/seed.py — seed a fresh Polyaxon CE sandbox with the data the pxa end-to-end
tests expect, and write a JSON manifest describing it.

Run it with the repo's venv after `scripts/sandbox start`:

    . .sandbox/env && .venv/bin/python scripts/seed.py [--big-mib 8]

It creates project `default/pxa-e2e`, a run `main` whose files are written straight into
the artifact store (`<data>/<run-uuid>/...`), the run's lineage records, and these
versions in the project:

* artifact `full`     -> run `main`, linked to every lineage entry
* artifact `run-only` -> run `main`, linked to no lineage entry (pull downloads nothing)
* model `m1`          -> run `main`, linked to the `model` lineage entry
* component `c1`      -> a minimal job component
* artifacts `v000`..`v104` -> no run; descriptions, tags, JSON content, some readmes,
  stage histories (testing -> staging -> production, some disabled)

and, for folder pulls (issue 12), project `default/pxa-e2e-folders` (kept apart so that the
counts of `pxa-e2e` stay as they are):

* run `mixed`, lineage `mixed` (dir) = outputs/mixed/: 3 random files of 3 MiB beside a
  sub-folder `tokenizer/` of 40 small files (1-8 KiB), names with a space and non-ASCII;
  artifact version `mixed`
* runs `race-1`..`race-6`, lineage `model` (model) = outputs/model/ in each: the same file
  names and sizes in every run (weights.bin and optimizer.bin of 1 MiB, config.json,
  tokenizer/vocab.txt), different random bytes; model versions `race-1`..`race-6` (their
  folders share the basename `model`: the server's tarball race, contract §13.3)

Manifest (written to --out, default $PXA_E2E_SEED):

    {"host", "owner": "default", "project": "pxa-e2e",
     "versions": {"artifact": [...], "model": [...], "component": [...]},
     "stages": {name: current stage},
     "stage_history": {name: [stage types in order, first is always "testing"]},
     "version_info": {name: {"kind", "description", "tags", "content", "readme", "run",
                             "artifacts"}},
     "runs": {"main": uuid},
     "files": {run-relative path: {"size": N, "sha256": hex}},   # every file in the run
     "lineage": {name: {"kind", "path", "is_event", "rel_path", "files": [run-relative paths]}},
     "folders": {"project": "pxa-e2e-folders",
                 "versions": {"artifact": ["mixed"], "model": ["race-1", ...]},
                 "version_info": {name: {"kind", "run" (uuid), "run_name", "artifacts"}},
                 "runs": {run name: uuid},
                 "lineage": {run name: {entry: {"kind", "path", "rel_path", "files": [...]}}},
                 "files": {run name: {run-relative path: {"size", "sha256"}}}},
     "timings": {...}}

Only the Python standard library and `requests` (present in the venv) are used. The
official polyaxon tracking helpers are deliberately NOT used: they post lineage from
background threads and silently drop errors.

Server behaviour worth knowing (haupt 2.18.0 sandbox, observed while writing this):

* A busy SQLite database makes writes fail; the server's 500 handler only implements GET,
  so a failed POST/PATCH answers **405 with an empty text/html body**, not 500. Every
  write here retries 405/500/502/503 and connection errors with exponential backoff.
  (`scripts/sandbox` also starts the server with
  POLYAXON_DB_OPTIONS={"transaction_mode":"IMMEDIATE","timeout":30}, which makes this rare.)
* Because a write may have been committed even when its answer was lost, a retried
  create that then gets "already exists" (400) is treated as success.
* Projects are created with `POST /api/v1/{owner}/projects/create` (not `/projects`).
* A run that schedules nothing: `POST /api/v1/{o}/{p}/runs` with `is_managed: false`
  (the serializer turns it into `managed_by: "user"`, status `created`, no content needed).
* The artifact store root is the `--path` given to `haupt sandbox start` itself
  (`<path>/<run-uuid>/...`); the SQLite DB lives beside it in `<path>/.polyaxon/plx.db`.
* `POST .../runs/{uuid}/lineage/artifacts` answers 201 with an empty body. In the sandbox
  the lineage is written synchronously (the scheduler is disabled so the task runs
  eagerly), so a GET right after sees it. Both a bare JSON list and
  `{"artifacts": [...]}` are accepted.
* The event-package endpoint `.../events/{kind}?names=N&pkg_assets=true` reads
  `events/{kind}/N.plx` (a `|`-separated CSV `step|timestamp|{kind}` whose last column is
  a JSON object with a run-relative `path`) and tars that file plus every asset named
  by a `path`, members relative to the run root. `names` is the lineage entry's name,
  so the lineage name must equal the event file's base name.
* The streams service caches every file/tarball it serves under POLYAXON_ARCHIVES_ROOT
  (default /tmp/plx/archives, moved into the sandbox dir by scripts/sandbox) and serves it
  stale after the file changes unless `force=true` is sent.
* List endpoints answer gzip-compressed bodies even to `Accept-Encoding: identity`.
* The stage POST answers 201 `{"stage":null,"stage_conditions":null}`; a condition with
  the same type+status as the last one replaces it instead of appending, so a retried
  stage change does not duplicate history entries.
* The first stage condition (testing, reason `<Kind>VersionCreated`) is written by the
  server on create and has `status: "True"` (a string); later ones keep what was sent.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import struct
import sys
import threading
import time
import zlib
from typing import Any, Callable, Dict, List, Optional

try:
    import requests
except ImportError:  # pragma: no cover - the venv always has requests
    sys.exit("seed.py: `requests` is missing; run it with .venv/bin/python")

OWNER = "default"
PROJECT = "pxa-e2e"
SERVICE_HEADER = {"X-POLYAXON-SERVICE": "2.18.0"}
RETRY_STATUSES = {405, 500, 502, 503}
MAX_ATTEMPTS = 8  # backoff 0.25, 0.5, 1, 2, 4, 5, 5 s => ~18 s worst case per request
THREADS = 4
N_VERSIONS = 105
DATASET_FILES = 320

_log_lock = threading.Lock()


def log(msg: str) -> None:
    with _log_lock:
        print(f"[seed] {msg}", file=sys.stderr, flush=True)


class SeedError(Exception):
    pass


# --------------------------------------------------------------------------------------
# HTTP with retries
# --------------------------------------------------------------------------------------


class Api:
    def __init__(self, host: str):
        self.host = host.rstrip("/")
        self._local = threading.local()

    def session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False  # never route loopback calls through an env proxy
            s.headers.update({"Accept": "application/json", **SERVICE_HEADER})
            self._local.session = s
        return s

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Optional[Dict] = None,
        ok: tuple = (200, 201, 204),
        exists_ok: bool = False,
        stream: bool = False,
    ) -> requests.Response:
        """Send a request, retrying transient failures; raise SeedError otherwise.

        exists_ok: after a retry, a 400 saying the object already exists means an
        earlier attempt was committed although its answer was lost: accept it.
        """
        url = self.host + path
        delay = 0.25
        last = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                resp = self.session().request(
                    method, url, json=json_body, params=params, timeout=120, stream=stream
                )
            except requests.RequestException as e:
                last = f"connection error: {e}"
            else:
                if resp.status_code in ok:
                    return resp
                if (
                    exists_ok
                    and attempt > 1
                    and resp.status_code == 400
                    and "already exists" in resp.text
                ):
                    return resp
                if resp.status_code not in RETRY_STATUSES:
                    raise SeedError(
                        f"{method} {path} -> HTTP {resp.status_code}: {resp.text[:500]!r}"
                    )
                last = f"HTTP {resp.status_code} {resp.text[:200]!r}"
            if attempt < MAX_ATTEMPTS:
                log(f"retry {attempt}/{MAX_ATTEMPTS - 1} {method} {path}: {last}")
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
        raise SeedError(f"{method} {path} failed after {MAX_ATTEMPTS} attempts: {last}")

    def get_json(self, path: str, params: Optional[Dict] = None) -> Any:
        return self.request("GET", path, params=params, ok=(200,)).json()

    def post(self, path: str, body: Any, exists_ok: bool = False) -> requests.Response:
        return self.request("POST", path, json_body=body, ok=(200, 201), exists_ok=exists_ok)


# --------------------------------------------------------------------------------------
# Files written into the run
# --------------------------------------------------------------------------------------


class RunFiles:
    """Writes files under <data>/<uuid>/ and remembers size + sha256 of each."""

    def __init__(self, data_root: str, run_uuid: str):
        self.root = os.path.join(data_root, run_uuid)
        self.files: Dict[str, Dict[str, Any]] = {}

    def write(self, rel: str, content: bytes) -> None:
        with open(self._path(rel), "wb") as f:
            f.write(content)
        self.files[rel] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}

    def write_chunks(self, rel: str, chunks: Callable[[], Any]) -> None:
        path = self._path(rel)
        h = hashlib.sha256()
        size = 0
        with open(path, "wb") as f:
            for chunk in chunks():
                f.write(chunk)
                h.update(chunk)
                size += len(chunk)
        self.files[rel] = {"size": size, "sha256": h.hexdigest()}

    def _path(self, rel: str) -> str:
        if rel in self.files:
            raise SeedError(f"file written twice: {rel}")
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path

    def under(self, prefix: str) -> List[str]:
        prefix = prefix.rstrip("/") + "/"
        return sorted(p for p in self.files if p.startswith(prefix) or p == prefix[:-1])


def tiny_png(width: int, height: int, rgb: tuple) -> bytes:
    """A valid, uncompressed-looking RGB PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_run_files(files: RunFiles, uuid: str, big_mib: int) -> Dict[str, Dict]:
    """Writes every artifact of run `main` and returns the lineage entries (by name)."""
    rng = random.Random(20261127)

    # 1. a large single file of random bytes
    def big_chunks():
        remaining = big_mib * 1024 * 1024
        while remaining > 0:
            n = min(remaining, 1024 * 1024)
            remaining -= n
            yield os.urandom(n)

    files.write_chunks("outputs/big.bin", big_chunks)

    # 2. a directory tree: several hundred small files, 5 levels deep, awkward names
    ds = "outputs/dataset"
    special = {
        0: f"{ds}/empty.txt",  # 0 bytes
        1: f"{ds}/with space.txt",
        2: f"{ds}/a0/b1/café.txt",  # non-ASCII name
        3: f"{ds}/a1/b0/c1/d0/deep file é.bin",  # deepest level, both at once
        4: f"{ds}/a2/b2/c2/d2/empty-deep.txt",  # 0 bytes, deep
    }
    for i in range(DATASET_FILES):
        if i in special:
            rel = special[i]
        else:
            a, b, c, d = i % 3, (i // 3) % 3, (i // 9) % 3, (i // 27) % 3
            depth = i % 5  # 0..4 directory levels below the dataset root
            parts = [f"a{a}", f"b{b}", f"c{c}", f"d{d}"][:depth]
            rel = "/".join([ds, *parts, f"part-{i:04d}.{'json' if i % 4 == 0 else 'bin'}"])
        size = 0 if rel.endswith("empty.txt") or rel.endswith("empty-deep.txt") else rng.randint(0, 16 * 1024)
        files.write(rel, rng.randbytes(size))

    # 3. a model directory with a sub folder
    model = "outputs/model"
    files.write(f"{model}/weights.bin", rng.randbytes(64 * 1024))
    files.write(
        f"{model}/config.json",
        json.dumps({"layers": 4, "hidden": 128, "activation": "relu"}, indent=2).encode(),
    )
    files.write(f"{model}/sub/vocab.txt", "\n".join(f"tok{i}" for i in range(500)).encode())
    files.write(f"{model}/sub/extra.json", b'{"note": "nested model file"}\n')

    # 4. a metric event file (single-file event: pulled with /artifact)
    t0 = 1795000000  # fixed epoch seconds (2026-11-18), only used as text
    rows = ["step|timestamp|metric"]
    metric_values = []
    for step in range(1, 51):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t0 + step))
        metric_values.append(round(1.0 / step + rng.random() * 0.01, 6))
        rows.append(f"{step}|{ts}|{metric_values[-1]}")
    files.write("events/metric/loss.plx", ("\n".join(rows) + "\n").encode())

    # 5. an image event with assets (pulled with /events/image?names=sample&pkg_assets=true)
    rows = ["step|timestamp|image"]
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    for step, rgb in enumerate(colours, start=1):
        asset = f"assets/image/sample/step_{step}.png"
        files.write(asset, tiny_png(8, 8, rgb))
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t0 + step))
        value = json.dumps(
            {"height": 8, "width": 8, "colorspace": 3, "path": asset}, separators=(",", ":")
        )
        rows.append(f"{step}|{ts}|{value}")
    files.write("events/image/sample.plx", ("\n".join(rows) + "\n").encode())

    return {
        "big": {"kind": "file", "rel": "outputs/big.bin", "summary": {"size": big_mib * 1024 * 1024}},
        "dataset": {"kind": "dir", "rel": ds, "summary": {"files": DATASET_FILES}},
        "model": {"kind": "model", "rel": model, "summary": {"framework": "none"}},
        "loss": {
            "kind": "metric",
            "rel": "events/metric/loss.plx",
            "summary": {
                "is_event": True,
                "step": {"count": 50, "min": 1, "max": 50},
                "metric": {"last": metric_values[-1], "min": min(metric_values), "max": max(metric_values)},
            },
        },
        "sample": {
            "kind": "image",
            "rel": "events/image/sample.plx",
            "summary": {"is_event": True, "step": {"count": 3, "min": 1, "max": 3}},
            "extra_files": "assets/image/sample",
        },
    }


# --------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------

# Stage transitions applied after creation (the server always starts at testing).
STAGE_PATTERNS = [
    [],
    [],
    ["staging"],
    ["staging", "production"],
    ["production"],
    ["disabled"],
    ["staging", "production", "disabled"],
    ["staging", "testing", "staging", "production"],
]


def seed_version_spec(i: int) -> Dict[str, Any]:
    name = f"v{i:03d}"
    tags = ["seed", "even" if i % 2 == 0 else "odd", f"group-{i % 5}"]
    if i % 10 == 0:
        tags.append("milestone")
    spec: Dict[str, Any] = {
        "name": name,
        "description": f"Seed artifact version {i}",
        "tags": tags,
        "content": json.dumps({"index": i, "lr": round(0.001 * (i + 1), 6), "dataset": f"set-{i % 3}"}),
    }
    if i % 7 == 0:
        spec["readme"] = f"# {name}\n\nReadme of seed version {i}.\n"
    if i == 104:
        spec.pop("description")  # one with no description at all
    return spec


def versions_path(kind: str, name: Optional[str] = None) -> str:
    p = f"/api/v1/{OWNER}/{PROJECT}/versions/{kind}"
    return f"{p}/{name}" if name else p


def create_version(api: Api, kind: str, body: Dict) -> None:
    api.post(versions_path(kind), {**body, "kind": kind}, exists_ok=True)


def change_stage(api: Api, kind: str, name: str, stage: str, n: int) -> None:
    body = {
        "condition": {
            "type": stage,
            "status": True,
            "reason": "Seed",
            "message": f"seed step {n}: {stage}",
        }
    }
    api.post(versions_path(kind, name) + "/stages", body)


def seed_numbered_version(api: Api, i: int) -> Dict[str, Any]:
    spec = seed_version_spec(i)
    create_version(api, "artifact", spec)
    history = ["testing"]
    for n, stage in enumerate(STAGE_PATTERNS[i % len(STAGE_PATTERNS)], start=1):
        change_stage(api, "artifact", spec["name"], stage, n)
        history.append(stage)
    return {"spec": spec, "history": history}


# --------------------------------------------------------------------------------------
# Folder pulls (issue 12): project pxa-e2e-folders
# --------------------------------------------------------------------------------------

FOLDERS_PROJECT = "pxa-e2e-folders"
RACE_RUNS = 6
MIB = 1024 * 1024


def create_project(api: Api, name: str, description: str) -> None:
    """Creates a project; an existing one means a reused sandbox whose names would clash."""
    try:
        api.post(f"/api/v1/{OWNER}/projects/create",
                 {"name": name, "description": description}, exists_ok=True)
    except SeedError as e:
        hint = " (the sandbox is not fresh: restart it)" if "already exists" in str(e) else ""
        raise SeedError(f"creating project {name} failed{hint}: {e}") from e


def write_mixed(files: RunFiles, rng: random.Random) -> str:
    """outputs/mixed/: three 3 MiB random files beside a folder of 40 small files."""
    d = "outputs/mixed"
    for name in ("weights-1.bin", "weights 2.bin", "wéights-3.bin"):
        files.write(f"{d}/{name}", os.urandom(3 * MIB))
    for i in range(40):
        name = {0: "merges part 00.txt", 1: "spécial-01.json"}.get(i, f"vocab-{i:02d}.txt")
        files.write(f"{d}/tokenizer/{name}", rng.randbytes(rng.randint(1024, 8 * 1024)))
    return d


def write_race_model(files: RunFiles, index: int) -> str:
    """outputs/model/: the same names and sizes in every race run, different bytes."""
    d = "outputs/model"
    files.write(f"{d}/weights.bin", os.urandom(MIB))
    files.write(f"{d}/optimizer.bin", os.urandom(MIB))
    files.write(f"{d}/config.json", json.dumps({"run": index, "salt": os.urandom(16).hex()}).encode())
    files.write(f"{d}/tokenizer/vocab.txt", os.urandom(4096))
    return d


def seed_folders(api: Api, data: str) -> Dict[str, Any]:
    """Seeds project pxa-e2e-folders; returns its part of the manifest."""
    create_project(api, FOLDERS_PROJECT, "pxa folder pulls (issue 12)")
    base = f"/api/v1/{OWNER}/{FOLDERS_PROJECT}"
    rng = random.Random(12)
    out: Dict[str, Any] = {"project": FOLDERS_PROJECT, "versions": {"artifact": [], "model": []},
                           "version_info": {}, "runs": {}, "lineage": {}, "files": {}}
    runs = [("mixed", "mixed", "dir", "artifact", lambda f: write_mixed(f, rng))]
    runs += [(f"race-{i}", "model", "model", "model", lambda f, i=i: write_race_model(f, i))
             for i in range(1, RACE_RUNS + 1)]
    for name, entry, kind, version_kind, write in runs:
        uuid = api.post(f"{base}/runs", {"name": name, "is_managed": False}).json()["uuid"]
        files = RunFiles(data, uuid)
        rel = write(files)
        api.post(f"{base}/runs/{uuid}/lineage/artifacts",
                 [{"name": entry, "kind": kind, "path": f"{uuid}/{rel}", "summary": {},
                   "is_input": False}])
        api.post(f"{base}/versions/{version_kind}",
                 {"name": name, "kind": version_kind, "run": uuid, "artifacts": [entry],
                  "description": f"folder pull: {name}"}, exists_ok=True)
        out["versions"][version_kind].append(name)
        out["version_info"][name] = {"kind": version_kind, "run": uuid, "run_name": name,
                                     "artifacts": [entry]}
        out["runs"][name] = uuid
        out["lineage"][name] = {entry: {"kind": kind, "path": f"{uuid}/{rel}", "rel_path": rel,
                                        "files": files.under(rel)}}
        out["files"][name] = dict(sorted(files.files.items()))
    return out


def verify_folders(api: Api, folders: Dict[str, Any]) -> None:
    base = f"/api/v1/{OWNER}/{FOLDERS_PROJECT}"
    for kind, names in folders["versions"].items():
        page = api.get_json(f"{base}/versions/{kind}/names", params={"limit": 1000})
        got = sorted(r["name"] for r in page["results"])
        if got != sorted(names):
            raise SeedError(f"{FOLDERS_PROJECT} {kind} versions are {got}, expected {sorted(names)}")
    for name, info in folders["version_info"].items():
        v = api.get_json(f"{base}/versions/{info['kind']}/{name}")
        got = [e["name"] for e in v.get("meta_info", {}).get("lineage", [])]
        if got != info["artifacts"]:
            raise SeedError(f"{FOLDERS_PROJECT} version {name} is linked to {got}")
    # The tree listing the pull plans from sees what was written.
    uuid = folders["runs"]["race-1"]
    tree = api.get_json(f"/streams/v1/polyaxon/{OWNER}/{FOLDERS_PROJECT}/runs/{uuid}/artifacts/tree",
                        params={"path": "outputs/model"})
    want = {rel.rsplit("/", 1)[1]: f["size"] for rel, f in folders["files"]["race-1"].items()
            if rel.count("/") == 2}
    if tree.get("files") != want or tree.get("dirs") != ["tokenizer"]:
        raise SeedError(f"tree of race-1 outputs/model is {tree}, expected files {want}")


# --------------------------------------------------------------------------------------
# Verification (cheap sanity checks so that a broken seed fails here, loudly)
# --------------------------------------------------------------------------------------


def verify(api: Api, manifest: Dict, run_uuid: str) -> None:
    lineage = api.get_json(f"/api/v1/{OWNER}/{PROJECT}/runs/{run_uuid}/lineage/artifacts",
                           params={"limit": 1000})
    got = sorted(r["name"] for r in lineage["results"])
    want = sorted(manifest["lineage"])
    if got != want:
        raise SeedError(f"run lineage is {got}, expected {want}")

    full = api.get_json(versions_path("artifact", "full"))
    got = sorted(e["name"] for e in full.get("meta_info", {}).get("lineage", []))
    if got != want:
        raise SeedError(f"version `full` meta_info.lineage is {got}, expected {want}")

    for kind, names in manifest["versions"].items():
        page = api.get_json(versions_path(kind) + "/names", params={"limit": 1000})
        got_names = sorted(r["name"] for r in page["results"])
        if got_names != sorted(names):
            missing = sorted(set(names) - set(got_names))
            extra = sorted(set(got_names) - set(names))
            raise SeedError(f"{kind} versions differ: missing {missing}, unexpected {extra}")

    for name in ("v003", "v007"):  # spot-check stage histories
        st = api.get_json(versions_path("artifact", name) + "/stages")
        types = [c.get("type") for c in st.get("stage_conditions") or []]
        if types != manifest["stage_history"][name] or st.get("stage") != manifest["stages"][name]:
            raise SeedError(f"stages of {name}: {st}, expected {manifest['stage_history'][name]}")

    # one real download through the streams service
    rel = "outputs/big.bin"
    resp = api.request(
        "GET",
        f"/streams/v1/polyaxon/{OWNER}/{PROJECT}/runs/{run_uuid}/artifact",
        params={"path": rel},
        ok=(200,),
        stream=True,
    )
    h = hashlib.sha256()
    for chunk in resp.iter_content(1 << 20):
        h.update(chunk)
    if h.hexdigest() != manifest["files"][rel]["sha256"]:
        raise SeedError(f"streams download of {rel} has the wrong sha256")


# --------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default=os.environ.get("PXA_E2E_HOST"), help="default: $PXA_E2E_HOST")
    ap.add_argument("--data", default=os.environ.get("PXA_E2E_DATA"),
                    help="artifact store root of the sandbox, default: $PXA_E2E_DATA")
    ap.add_argument("--out", default=os.environ.get("PXA_E2E_SEED"), help="manifest path, default: $PXA_E2E_SEED")
    ap.add_argument("--big-mib", type=int, default=8, help="size of outputs/big.bin in MiB (default 8)")
    ap.add_argument("--no-verify", action="store_true", help="skip the final sanity checks")
    args = ap.parse_args()
    for opt in ("host", "data", "out"):
        if not getattr(args, opt):
            ap.error(f"--{opt} is required (or source .sandbox/env)")
    if args.big_mib < 0:
        ap.error("--big-mib must be >= 0")
    if not os.path.isdir(args.data):
        ap.error(f"--data {args.data} is not a directory")

    t_start = time.monotonic()
    timings: Dict[str, float] = {}

    def lap(label: str, since: float) -> float:
        now = time.monotonic()
        timings[label] = round(now - since, 2)
        return now

    api = Api(args.host)
    t = t_start

    # Project. On a fresh sandbox it does not exist; an existing one means a reused
    # sandbox and the version names would clash, so fail instead of guessing.
    create_project(api, PROJECT, "pxa end-to-end tests")
    log(f"project {OWNER}/{PROJECT} created")

    # Run `main` (unmanaged: nothing gets scheduled).
    run = api.post(f"/api/v1/{OWNER}/{PROJECT}/runs",
                   {"name": "main", "is_managed": False, "description": "pxa e2e artifacts"}).json()
    run_uuid = run["uuid"]
    log(f"run main = {run_uuid}")
    t = lap("project_and_run", t)

    files = RunFiles(args.data, run_uuid)
    entries = write_run_files(files, run_uuid, args.big_mib)
    log(f"wrote {len(files.files)} files ({sum(f['size'] for f in files.files.values())} bytes) into {files.root}")
    t = lap("write_files", t)

    lineage_body = [
        {
            "name": name,
            "kind": e["kind"],
            "path": f"{run_uuid}/{e['rel']}",
            "summary": e["summary"],
            "is_input": False,
        }
        for name, e in entries.items()
    ]
    api.post(f"/api/v1/{OWNER}/{PROJECT}/runs/{run_uuid}/lineage/artifacts", lineage_body)
    log(f"lineage recorded: {', '.join(entries)}")
    t = lap("lineage", t)

    lineage_manifest = {}
    for name, e in entries.items():
        if e["kind"] == "file" or e["kind"] == "metric":
            owned = [e["rel"]]
        elif e.get("extra_files"):
            owned = [e["rel"], *files.under(e["extra_files"])]
        else:
            owned = files.under(e["rel"])
        lineage_manifest[name] = {
            "kind": e["kind"],
            "path": f"{run_uuid}/{e['rel']}",
            "rel_path": e["rel"],
            "is_event": bool(e["summary"].get("is_event")),
            "files": owned,
        }

    # Versions linked to the run, plus the component.
    version_info: Dict[str, Dict[str, Any]] = {}
    linked = [
        ("artifact", {"name": "full", "description": "Every lineage entry of run main",
                      "tags": ["e2e", "linked"], "content": json.dumps({"source": "seed"}),
                      "readme": "# full\n\nAll artifacts of the seeded run.\n",
                      "run": run_uuid, "artifacts": list(entries)}),
        ("artifact", {"name": "run-only", "description": "Linked to the run but to no artifact",
                      "tags": ["e2e"], "run": run_uuid}),
        ("model", {"name": "m1", "description": "Model from run main", "tags": ["e2e", "model"],
                   "run": run_uuid, "artifacts": ["model"]}),
        ("component", {"name": "c1", "description": "Minimal job component",
                       "content": json.dumps({"version": 1.1, "kind": "component",
                                              "run": {"kind": "job", "container": {"image": "busybox"}}})}),
    ]
    for kind, body in linked:
        create_version(api, kind, body)
        version_info[body["name"]] = {"kind": kind, **{k: body.get(k) for k in
                                      ("description", "tags", "content", "readme", "run", "artifacts")}}
    log("versions full, run-only, m1, c1 created")
    t = lap("linked_versions", t)

    # 105 numbered artifact versions with stage histories, 4 at a time.
    results: Dict[int, Dict] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = {pool.submit(seed_numbered_version, api, i): i for i in range(N_VERSIONS)}
        for fut in concurrent.futures.as_completed(futures):
            results[futures[fut]] = fut.result()  # re-raises SeedError
    log(f"{N_VERSIONS} numbered artifact versions created")
    t = lap("numbered_versions", t)

    folders = seed_folders(api, args.data)
    log(f"project {OWNER}/{FOLDERS_PROJECT}: mixed folder and {RACE_RUNS} same-basename model folders")
    t = lap("folders", t)

    stages: Dict[str, str] = {}
    history: Dict[str, List[str]] = {}
    for name, info in version_info.items():
        stages[name] = "testing"
        history[name] = ["testing"]
    for i in range(N_VERSIONS):
        spec, hist = results[i]["spec"], results[i]["history"]
        name = spec["name"]
        stages[name] = hist[-1]
        history[name] = hist
        version_info[name] = {"kind": "artifact", **{k: spec.get(k) for k in
                              ("description", "tags", "content", "readme", "run", "artifacts")}}

    versions = {"artifact": [], "model": [], "component": []}
    for name, info in version_info.items():
        versions[info["kind"]].append(name)
    for names in versions.values():
        names.sort()

    manifest = {
        "host": args.host,
        "owner": OWNER,
        "project": PROJECT,
        "versions": versions,
        "stages": stages,
        "stage_history": history,
        "version_info": version_info,
        "runs": {"main": run_uuid},
        "files": dict(sorted(files.files.items())),
        "lineage": lineage_manifest,
        "folders": folders,
        "timings": timings,
    }

    if not args.no_verify:
        verify(api, manifest, run_uuid)
        verify_folders(api, folders)
        log("verified lineage, version lists, stage histories, one streams download and one tree")
        t = lap("verify", t)
    timings["total"] = round(time.monotonic() - t_start, 2)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, args.out)
    log(f"manifest written to {args.out}")
    log("timings (s): " + ", ".join(f"{k}={v}" for k, v in timings.items()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SeedError as e:
        print(f"[seed] FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("[seed] interrupted", file=sys.stderr)
        sys.exit(130)

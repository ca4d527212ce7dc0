//! `pxa verify`: re-check pulled version folders against their manifests. Every folder and
//! every argument is reported: OK, FAILED (a file differs: exit 9), UNVERIFIED (no manifest to
//! check against) or MISSING (no such path); exit 3 when nothing differs but not all are OK.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{Value, json};

use super::Context;
use crate::cli::VerifyArgs;
use crate::exit::{CliError, Code};
use crate::output::Printer;
use crate::pull::place::is_internal;
use crate::pull::verify::{MANIFEST, VerifyReport, verify_dir};
use crate::text::count;

/// The folders `pull` writes under a root: `<root>/<kind>s/<version>`.
const KIND_FOLDERS: &[&str] = &["artifacts", "models", "components"];

/// What was found at one folder (or argument).
enum Verdict {
    /// Checked against its manifest (OK or FAILED).
    Checked(VerifyReport),
    /// Nothing to check against: no manifest, or one this pxa cannot read.
    Unverified(PathBuf, String),
    /// The path does not exist.
    Missing(PathBuf),
}

pub fn run(args: VerifyArgs, ctx: &Context) -> Result<()> {
    let verdicts: Vec<Verdict> = args
        .paths
        .iter()
        .flat_map(|p| expand(p))
        .map(|target| match target {
            Target::Missing(path) => Verdict::Missing(path),
            Target::Folder(path) => check(path),
        })
        .collect();
    if ctx.out.is_structured() {
        let value: Vec<Value> = verdicts.iter().map(as_json).collect();
        ctx.out.structured(&json!(value))?;
    } else {
        let mut rows = Vec::new();
        for v in &verdicts {
            rows.extend(describe(v, ctx.printer()));
        }
        ctx.out.tsv(&rows)?;
    }
    outcome(&verdicts)
}

/// Exit 9 if a file differs, else 3 if a folder could not be checked or a path is missing.
fn outcome(verdicts: &[Verdict]) -> Result<()> {
    let differ: u64 = verdicts
        .iter()
        .filter_map(|v| match v {
            Verdict::Checked(r) => Some(r.problems.len() as u64),
            _ => None,
        })
        .sum();
    let unchecked = verdicts
        .iter()
        .filter(|v| !matches!(v, Verdict::Checked(_)))
        .count();
    let unverified = format!(
        "{unchecked} of {} could not be verified",
        count(verdicts.len() as u64, "folder")
    );
    let also = match unchecked {
        0 => String::new(),
        _ => format!("; {unverified}"),
    };
    if differ > 0 {
        return Err(CliError::new(
            Code::Integrity,
            format!(
                "{} from the manifest{also}",
                match differ {
                    1 => "1 file differs".to_string(),
                    n => format!("{n} files differ"),
                }
            ),
        )
        .with_hint("pull the version again: `pxa pull PROJECT:VERSION`")
        .into());
    }
    if unchecked > 0 {
        return Err(CliError::new(Code::NotFound, unverified)
            .with_hint(format!(
                "verify checks the {MANIFEST} a `pxa pull` writes: pull the version with pxa, or \
             check the path"
            ))
            .into());
    }
    Ok(())
}

fn check(path: PathBuf) -> Verdict {
    if !path.join(MANIFEST).exists() {
        let why = if path.is_dir() {
            format!("no {MANIFEST} (not pulled by pxa?)")
        } else {
            "not a folder".to_string()
        };
        return Verdict::Unverified(path, why);
    }
    match verify_dir(&path) {
        Ok(report) => Verdict::Checked(report),
        Err(e) => Verdict::Unverified(path, format!("cannot read {MANIFEST}: {e}")),
    }
}

/// A path to report on.
enum Target {
    Folder(PathBuf),
    Missing(PathBuf),
}

/// A version folder as given; a pull root (holding `artifacts/`, `models/` or `components/`) or
/// one of those folders stands for every version folder in it, with a manifest or without.
fn expand(path: &Path) -> Vec<Target> {
    if !path.exists() {
        return vec![Target::Missing(path.to_path_buf())];
    }
    if path.join(MANIFEST).exists() {
        return vec![Target::Folder(path.to_path_buf())];
    }
    let is_kind = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| KIND_FOLDERS.contains(&n))
    };
    let kinds: Vec<PathBuf> = if is_kind(path) {
        vec![path.to_path_buf()]
    } else {
        KIND_FOLDERS
            .iter()
            .map(|k| path.join(k))
            .filter(|p| p.is_dir())
            .collect()
    };
    let mut found: Vec<PathBuf> = kinds.iter().flat_map(|k| subfolders(k)).collect();
    if found.is_empty() {
        return vec![Target::Folder(path.to_path_buf())];
    }
    found.sort();
    found.into_iter().map(Target::Folder).collect()
}

/// The folders in `dir`, without pxa's own (staging, locks).
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().is_dir() && !is_internal(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect()
}

fn as_json(v: &Verdict) -> Value {
    match v {
        Verdict::Checked(r) => {
            json!({"path": r.path, "status": if r.ok() { "ok" } else { "failed" },
            "ok": r.ok(), "files": r.files, "bytes": r.bytes, "problems": r.problems,
            "extra": r.extra})
        }
        Verdict::Unverified(path, why) => {
            json!({"path": path, "status": "unverified", "ok": false, "reason": why})
        }
        Verdict::Missing(path) => {
            json!({"path": path, "status": "missing", "ok": false, "reason": "no such file or folder"})
        }
    }
}

/// The report's rows: `VERDICT  PATH  DETAIL`, a `FAILED  FILE  PROBLEM` row per difference.
fn describe(v: &Verdict, printer: &Printer) -> Vec<Vec<String>> {
    let row = |a: &str, b: String, c: String| vec![a.to_string(), b, c];
    let r = match v {
        Verdict::Checked(r) => r,
        Verdict::Unverified(path, why) => {
            return vec![row("UNVERIFIED", path.display().to_string(), why.clone())];
        }
        Verdict::Missing(path) => {
            let why = "no such file or folder".to_string();
            return vec![row("MISSING", path.display().to_string(), why)];
        }
    };
    let mut rows: Vec<Vec<String>> = r
        .problems
        .iter()
        .map(|p| row("FAILED", p.path.clone(), p.problem.clone()))
        .collect();
    for extra in &r.extra {
        printer.warn(&format!(
            "{}: {extra} is not in the manifest",
            r.path.display()
        ));
    }
    let verdict = if r.ok() { "OK" } else { "FAILED" };
    let detail = format!(
        "{}, {} checked",
        count(r.files as u64, "file"),
        count(r.bytes, "byte")
    );
    rows.push(row(verdict, r.path.display().to_string(), detail));
    rows
}

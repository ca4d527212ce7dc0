//! `pxa verify`: re-check pulled version folders against their manifests (exit 9 on mismatch).

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::json;

use super::Context;
use crate::cli::VerifyArgs;
use crate::exit::{CliError, Code};
use crate::output::Printer;
use crate::pull::place::is_internal;
use crate::pull::verify::{MANIFEST, VerifyReport, verify_dir};

pub fn run(args: VerifyArgs, ctx: &Context) -> Result<()> {
    let mut reports = Vec::new();
    for path in args.paths.iter().flat_map(|p| expand(p)) {
        let path = &path;
        let report = verify_dir(path).map_err(|e| {
            CliError::new(
                Code::Integrity,
                format!("cannot read {}: {e}", path.join(MANIFEST).display()),
            )
            .with_hint(
                "verify takes a version folder written by `pxa pull` (it holds .pxa-manifest.json)",
            )
        })?;
        reports.push(report);
    }
    if ctx.out.is_structured() {
        let value: Vec<_> = reports
            .iter()
            .map(|r| {
                json!({"path": r.path, "ok": r.ok(), "files": r.files, "bytes": r.bytes,
                "problems": r.problems, "extra": r.extra})
            })
            .collect();
        ctx.out.structured(&json!(value))?;
    } else {
        let mut lines = Vec::new();
        for r in &reports {
            lines.extend(describe(r, ctx.printer()));
        }
        ctx.out.lines(lines)?;
    }
    let bad: Vec<&VerifyReport> = reports.iter().filter(|r| !r.ok()).collect();
    if bad.is_empty() {
        return Ok(());
    }
    let count: usize = bad.iter().map(|r| r.problems.len()).sum();
    Err(CliError::new(
        Code::Integrity,
        format!("{count} file(s) differ from the manifest"),
    )
    .with_hint("pull the version again: `pxa pull PROJECT:VERSION`")
    .into())
}

/// A version folder as given; a folder without a manifest stands for the version folders below
/// it (a pull root, or `<root>/<kind>s`), when there are any.
fn expand(path: &Path) -> Vec<PathBuf> {
    if path.join(MANIFEST).exists() {
        return vec![path.to_path_buf()];
    }
    let mut found = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    for _depth in 0..2 {
        let mut next = Vec::new();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !e.path().is_dir() || is_internal(&name) {
                    continue;
                }
                if e.path().join(MANIFEST).exists() {
                    found.push(e.path());
                } else {
                    next.push(e.path());
                }
            }
        }
        dirs = next;
    }
    if found.is_empty() {
        return vec![path.to_path_buf()];
    }
    found.sort();
    found
}

fn describe(r: &VerifyReport, printer: &Printer) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &r.problems {
        lines.push(format!("FAILED\t{}\t{}", p.path, p.problem));
    }
    for extra in &r.extra {
        printer.warn(&format!(
            "{}: {extra} is not in the manifest",
            r.path.display()
        ));
    }
    let verdict = if r.ok() { "OK" } else { "FAILED" };
    lines.push(format!(
        "{verdict}\t{}\t{} files, {} bytes checked",
        r.path.display(),
        r.files,
        r.bytes
    ));
    lines
}

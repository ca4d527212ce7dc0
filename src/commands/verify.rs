//! `pxa verify`: re-check pulled version folders against their manifests (exit 9 on mismatch).

use anyhow::Result;
use serde_json::json;

use super::Context;
use crate::cli::VerifyArgs;
use crate::exit::{CliError, Code};
use crate::output;
use crate::pull::verify::{MANIFEST, VerifyReport, verify_dir};

pub fn run(args: VerifyArgs, ctx: &Context) -> Result<()> {
    let mut reports = Vec::new();
    for path in &args.paths {
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
            lines.extend(describe(r));
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

fn describe(r: &VerifyReport) -> Vec<String> {
    let mut lines = Vec::new();
    for p in &r.problems {
        lines.push(format!("FAILED\t{}\t{}", p.path, p.problem));
    }
    for extra in &r.extra {
        output::warn(&format!(
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

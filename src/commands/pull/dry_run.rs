//! `pxa pull --dry-run`: each version's plan printed (lines, or `-o json`), nothing written,
//! no download sent.

use anyhow::Result;
use futures_util::stream::{self, StreamExt};
use serde_json::json;

use super::Context;
use crate::api::Registry;
use crate::exit::{CliError, Code};
use crate::pull::download::Downloader;
use crate::pull::dry_run::{EntryPlanReport, VersionPlan, dry_run};
use crate::pull::space::human;
use crate::pull::{Options, Wanted};

pub async fn run(
    dl: &Downloader,
    reg: &Registry,
    wanted: &[Wanted],
    opts: &Options,
    ctx: &Context,
) -> Result<()> {
    let plans: Vec<VersionPlan> = stream::iter(wanted)
        .map(|w| dry_run(dl, reg, w, opts))
        .buffered(opts.jobs.max(1))
        .collect()
        .await;
    if ctx.out.is_structured() {
        ctx.out
            .structured(&json!({ "dry_run": true, "versions": plans }))?;
    } else {
        ctx.out.lines(plans.iter().flat_map(lines))?;
    }
    let failed: Vec<&VersionPlan> = plans.iter().filter(|p| p.code != Code::Ok).collect();
    let Some(first) = failed.first() else {
        return Ok(());
    };
    let names: Vec<String> = failed
        .iter()
        .map(|p| format!("{}: {}", p.version, p.error.as_deref().unwrap_or("")))
        .collect();
    let code = if failed.len() < plans.len() {
        Code::Partial
    } else {
        first.code
    };
    Err(CliError::new(code, format!("cannot plan {}", names.join("; "))).into())
}

/// A version's plan for people: the version and its folder, then per entry its requests and
/// what is kept.
fn lines(p: &VersionPlan) -> Vec<String> {
    let mut out = vec![format!(
        "{} -> {}: {} to download{}",
        shown(&p.version),
        p.path.display(),
        human(p.download_bytes),
        p.error
            .as_deref()
            .map(|e| format!(" (cannot plan: {})", shown(e)))
            .unwrap_or_default(),
    )];
    for e in &p.entries {
        entry_lines(e, &mut out);
    }
    if !p.carried.is_empty() {
        let bytes = p.carried.iter().map(|k| k.bytes).sum();
        out.push(format!(
            "  other entries: {} files, {} kept as they are (--artifact)",
            p.carried.len(),
            human(bytes)
        ));
    }
    out
}

fn entry_lines(e: &EntryPlanReport, out: &mut Vec<String>) {
    let head = format!(
        "  {} ({}) {}",
        shown(&e.entry),
        shown(&e.kind),
        shown(&e.path)
    );
    if let Some(why) = &e.skipped {
        out.push(format!("{head}: skipped, {}", shown(why)));
        return;
    }
    out.push(format!("{head}: {} files, {}", e.files, human(e.bytes)));
    for r in &e.requests {
        let size = match (r.files, r.bytes) {
            (Some(1), Some(b)) if r.how == "file" => human(b),
            (Some(f), Some(b)) => format!("{f} files, {}", human(b)),
            _ => "size unknown".to_string(),
        };
        out.push(format!("    {:<16}{}  {size}", r.how, shown(&r.path)));
    }
    for k in &e.keep {
        let line = format!("    {:<16}{}  {}", "keep", shown(&k.path), human(k.bytes));
        out.push(line);
    }
}

/// Control characters from the server escaped (`\u{1b}`), the rest as is.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

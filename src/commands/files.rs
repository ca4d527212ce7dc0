//! `pxa files`: every file a pull of a version would write (entry, run-relative path, size)
//! and the totals, from the same reads and tree walk as the pull; nothing is downloaded.
//! Entries whose files cannot be listed are shown as such, with why on stderr.

use anyhow::Result;
use serde_json::{Value, json};

use super::{Context, DEFAULT_VERSION, hints};
use crate::api::{Kind, Registry};
use crate::cli::FilesArgs;
use crate::exit::CliError;
use crate::inspect::{self, VersionFiles};
use crate::output::Format;
use crate::pull::download::{Failure, Missing};
use crate::pull::space::human;
use crate::text::count;

pub async fn run(args: FilesArgs, ctx: &Context) -> Result<()> {
    if ctx.kind == Kind::Component {
        return Err(CliError::usage(
            "components have no files: a component version is its polyaxonfile",
        )
        .with_hint("`pxa components get NAME -o yaml` shows it")
        .into());
    }
    let (project, name) = ctx.resolve(&args.which).await?;
    let reg = ctx.registry(project);
    let files = inspect::list(ctx.client()?, &reg, &name, &args.artifacts)
        .await
        .map_err(|f| listing_error(ctx, &name, &name, f))?;
    print(ctx, &reg, &files)
}

/// A failed listing as pull says it: the version named, a hint by what was not found, the
/// server's own words under `-v`.
pub(super) fn listing_error(ctx: &Context, label: &str, name: &str, f: Failure) -> anyhow::Error {
    if let (true, Some(text)) = (ctx.settings.verbose, &f.debug) {
        ctx.printer()
            .debug(format_args!("{label}: the server said: {text}"));
    }
    let hint = match f.missing {
        Some(Missing::Version) if name == DEFAULT_VERSION => hints::latest(ctx.kind),
        missing => hints::listing(f.code, missing),
    };
    CliError::new(f.code, format!("{label}: {}", f.message))
        .with_hint(hint)
        .into()
}

fn print(ctx: &Context, reg: &Registry, files: &VersionFiles) -> Result<()> {
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => return out.structured(&as_json(reg, files)),
        Format::Name => out.lines(files.rows().iter().map(|r| r.path.as_str()))?,
        Format::Table => out.rows(&["ENTRY", "PATH", "SIZE"], &rows(files, true))?,
        _ => out.rows(&[], &rows(files, false))?,
    }
    for line in notes(files) {
        ctx.printer().note(&line);
    }
    Ok(())
}

/// The documented `-o json` shape.
fn as_json(reg: &Registry, files: &VersionFiles) -> Value {
    let (n, bytes) = files.totals();
    let entries: Vec<_> = files.entries.iter().map(|e| &e.summary).collect();
    json!({
        "project": reg.project.to_string(),
        "version": files.version.name,
        "kind": reg.kind.as_str(),
        "run": run_of(files),
        "entries": entries,
        "files": files.rows(),
        "totals": {"files": n, "bytes": bytes},
    })
}

/// The run the files are listed from.
pub(super) fn run_of(files: &VersionFiles) -> Option<String> {
    let listed = files.base.as_ref().map(|b| b.uuid.clone());
    listed.or_else(|| files.version.run.clone())
}

/// ENTRY, PATH, SIZE: every file (sizes for people on a terminal, in bytes otherwise); an
/// entry whose files are not listed, once, with `-`.
fn rows(files: &VersionFiles, for_people: bool) -> Vec<Vec<String>> {
    let size = |n: u64| match for_people {
        true => human(n),
        false => n.to_string(),
    };
    let mut rows = Vec::new();
    for e in &files.entries {
        let s = &e.summary;
        if !s.listed {
            rows.push(vec![s.entry.clone(), s.path.clone(), "-".to_string()]);
        }
        for (path, bytes) in &e.files {
            rows.push(vec![s.entry.clone(), path.clone(), size(*bytes)]);
        }
    }
    rows
}

/// What stderr says: each entry not listed (or empty, or with broken names), then the totals.
fn notes(files: &VersionFiles) -> Vec<String> {
    let mut lines = Vec::new();
    for e in files.entries.iter().map(|e| &e.summary) {
        let head = format!("entry `{}` ({}) {}", e.entry, e.kind, e.path);
        match &e.why {
            Some(why) => lines.push(format!("{head}: {why}")),
            None if e.files == 0 => lines.push(format!("{head}: no files")),
            None => {}
        }
        if !e.broken.is_empty() {
            let names = e.broken.join(", ");
            let n = count(e.broken.len() as u64, "name");
            lines.push(format!("{head}: {n} listed as folders that do not exist (broken links, nothing to pull): {names}"));
        }
    }
    if files.entries.is_empty() {
        let name = &files.version.name;
        lines.push(format!(
            "{name} links no lineage entry: a pull of it writes its metadata only"
        ));
        return lines;
    }
    let (n, bytes) = files.totals();
    let unlisted = files.unlisted().count() as u64;
    let listed = files.entries.len() as u64 - unlisted;
    let mut total = format!(
        "{} listed: {}, {} ({bytes} bytes)",
        entries(listed),
        count(n, "file"),
        human(bytes)
    );
    if unlisted > 0 {
        total.push_str(&format!("; {} not listed", entries(unlisted)));
    }
    lines.push(total);
    lines
}

/// `1 entry`, `2 entries`.
pub(super) fn entries(n: u64) -> String {
    match n {
        1 => "1 entry".to_string(),
        n => format!("{n} entries"),
    }
}

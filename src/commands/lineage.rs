//! `pxa lineage`: a run's lineage entries (name, kind, path in the run's store): the names
//! `register --artifacts` links and `pull --artifact` selects.

use anyhow::Result;
use serde_json::Value;

use super::{Context, hints};
use crate::api::runs::RunPath;
use crate::cli::LineageArgs;
use crate::exit::CliError;
use crate::output::Format;
use crate::pull::plan::relativize;
use crate::reference::parse_run_uuid;

pub async fn run(args: LineageArgs, ctx: &Context) -> Result<()> {
    let uuid = parse_run_uuid(&args.run)?;
    let project = ctx.project(args.project.as_deref())?;
    let run = RunPath {
        owner: &project.owner,
        project: &project.name,
        uuid: &uuid,
    };
    let entries = ctx
        .client()?
        .run_lineage_raw(&run)
        .await
        .map_err(|e| -> anyhow::Error {
            if e.is_not_found() {
                let hint = hints::run_not_found(&project.to_string());
                CliError::new(e.exit_code(), e.to_string())
                    .with_hint(hint)
                    .into()
            } else {
                e.into()
            }
        })?;
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => out.structured(&Value::Array(entries))?,
        Format::Name => out.lines(entries.iter().map(|e| text(e, "name")))?,
        format => {
            if entries.is_empty() {
                ctx.printer()
                    .note(&format!("run {uuid} has no lineage entries"));
                return Ok(());
            }
            let rows: Vec<Vec<String>> = entries.iter().map(|e| row(e, &uuid)).collect();
            let header = if format == Format::Table {
                &["NAME", "KIND", "PATH"][..]
            } else {
                &[]
            };
            out.rows(header, &rows)?;
        }
    }
    Ok(())
}

/// One entry: its name, kind and path (relative to the run's store when it is inside it, as
/// the server sent it otherwise), with ` (input)` for an input of the run.
fn row(entry: &Value, uuid: &str) -> Vec<String> {
    let path = text(entry, "path");
    let shown = relativize(path, uuid).unwrap_or_else(|| path.to_string());
    let mut kind = text(entry, "kind").to_string();
    if entry["is_input"].as_bool() == Some(true) {
        kind.push_str(" (input)");
    }
    vec![text(entry, "name").to_string(), kind, shown]
}

fn text<'v>(entry: &'v Value, key: &str) -> &'v str {
    entry[key].as_str().unwrap_or("")
}

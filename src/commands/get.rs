//! `pxa get`: show one version, or several.

use anyhow::Result;
use serde_json::Value;

use super::target::batch::Batch;
use super::target::several;
use super::{Context, not_found_hint};
use crate::api::{ProjectVersion, Resource};
use crate::cli::TargetsArgs;
use crate::output::Format;
use crate::text::truncate;

pub async fn run(args: TargetsArgs, ctx: &Context) -> Result<()> {
    let targets = ctx.targets(&args)?;
    if let [target] = targets.as_slice()
        && !several(&args)
    {
        let name = ctx.resolve_target(target).await?;
        let registry = ctx.registry(target.project.clone());
        let version = ctx
            .client()?
            .get_version(&registry, &name)
            .await
            .map_err(|e| not_found_hint(e, &name, ctx))?;
        print_version(ctx, &version.raw, &version.item)?;
        return Ok(());
    }
    let (mut batch, items) = Batch::resolve(ctx, &targets).await;
    let found = batch.read(ctx, items).await?;
    let versions: Vec<Resource<ProjectVersion>> = found.into_iter().map(|(_, v)| v).collect();
    print_versions(ctx, &versions)?;
    batch.outcome()
}

/// Prints several versions: a JSON array or YAML list, one name per line, or one FIELD/VALUE
/// block per version with a blank line between (as `kubectl describe` does).
pub fn print_versions(ctx: &Context, versions: &[Resource<ProjectVersion>]) -> Result<()> {
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => {
            out.structured(&Value::Array(
                versions.iter().map(|v| v.raw.clone()).collect(),
            ))?;
        }
        Format::Name => out.lines(versions.iter().map(|v| &v.name))?,
        _ => {
            for (i, v) in versions.iter().enumerate() {
                if i > 0 {
                    out.lines([""])?;
                }
                print_version(ctx, &v.raw, &v.item)?;
            }
        }
    }
    Ok(())
}

/// Prints one version in the chosen format (shared by the commands that return a version).
pub fn print_version(ctx: &Context, raw: &serde_json::Value, v: &ProjectVersion) -> Result<()> {
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => out.structured(raw)?,
        Format::Name => out.lines([&v.name])?,
        Format::Table => out.rows(&["FIELD", "VALUE"], &fields(ctx, v))?,
        _ => out.rows(&[], &fields(ctx, v))?,
    }
    Ok(())
}

fn fields(ctx: &Context, v: &ProjectVersion) -> Vec<Vec<String>> {
    let out = &ctx.out;
    let (run, lineage) = run_and_lineage(v);
    let project = match (&v.owner, &v.project) {
        (Some(o), Some(p)) => format!("{o}/{p}"),
        (None, Some(p)) => p.clone(),
        _ => String::new(),
    };
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let mut rows = vec![
        ("name", v.name.clone()),
        (
            "kind",
            v.kind.clone().unwrap_or_else(|| ctx.kind.to_string()),
        ),
        ("project", project),
        ("uuid", text(&v.uuid)),
        ("stage", text(&v.stage)),
        ("description", text(&v.description)),
        (
            "tags",
            v.tags.as_ref().map(|t| t.join(",")).unwrap_or_default(),
        ),
        ("run", run),
        ("artifacts", lineage),
        ("state", text(&v.state)),
        ("created", out.time(v.created_at.as_deref())),
        ("updated", out.time(v.updated_at.as_deref())),
        ("content", text(&v.content)),
        ("readme", text(&v.readme)),
    ];
    if out.tty {
        rows.retain(|(_, value)| !value.is_empty());
        for (_, value) in rows.iter_mut() {
            *value = truncate(value, 100).into_owned();
        }
    }
    rows.into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect()
}

/// The linked run (`name (uuid)`) and the lineage entries (`name (kind)`, comma-separated).
fn run_and_lineage(v: &ProjectVersion) -> (String, String) {
    let meta = v.meta_info.clone().unwrap_or_default();
    let run = meta.run.as_ref().map(|r| {
        let uuid = r.uuid.clone().or_else(|| v.run.clone()).unwrap_or_default();
        match &r.name {
            Some(name) => format!("{name} ({uuid})"),
            None => uuid,
        }
    });
    let lineage: Vec<String> = meta
        .lineage
        .iter()
        .chain(meta.artifacts.iter())
        .flatten()
        .map(|a| {
            format!(
                "{} ({})",
                a.name.as_deref().unwrap_or("?"),
                a.kind.as_deref().unwrap_or("?")
            )
        })
        .collect();
    let run = run.or_else(|| v.run.clone()).unwrap_or_default();
    (run, lineage.join(", "))
}

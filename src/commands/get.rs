//! `pxa get`: show one version.

use anyhow::Result;

use super::{Context, not_found_hint};
use crate::api::ProjectVersion;
use crate::cli::VersionArgs;
use crate::output::Format;
use crate::text::truncate;

pub async fn run(args: VersionArgs, ctx: &Context) -> Result<()> {
    let (project, name) = ctx.version_target(&args)?;
    let registry = ctx.registry(project);
    let version = ctx
        .client()?
        .get_version(&registry, &name)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    print_version(ctx, &version.raw, &version.item)?;
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

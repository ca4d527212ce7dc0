//! `pxa stages`: a version's current stage and its history.

use anyhow::Result;

use super::{Context, not_found_hint};
use crate::cli::VersionArgs;
use crate::output::{Format, stages_rows};

pub async fn run(args: VersionArgs, ctx: &Context) -> Result<()> {
    let (project, name) = ctx.resolve(&args).await?;
    let registry = ctx.registry(project);
    let stages = ctx
        .client()?
        .get_stages(&registry, &name)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => out.structured(&stages.raw)?,
        Format::Name => out.lines([stages.stage.as_deref().unwrap_or("")])?,
        _ => {
            let (header, rows) = stages_rows(out, &stages);
            if out.format == Format::Table {
                ctx.printer().note(&format!(
                    "{name}: {}",
                    stages.stage.as_deref().unwrap_or("no stage")
                ));
            }
            out.rows(&header, &rows)?;
        }
    }
    Ok(())
}

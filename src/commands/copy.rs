//! `pxa copy`: client-side copy of a version (read it, then register it under a new name or
//! in another project), like the official CLI. The stage history is not copied.

use anyhow::Result;

use super::register::{Mode, register_version};
use super::transfer::destination;
use super::write::{self, Fields};
use super::{Context, not_found_hint};
use crate::cli::CopyArgs;
use crate::reference::validate_version;

pub async fn run(args: CopyArgs, ctx: &Context) -> Result<()> {
    let target = ctx.target(&args.version)?;
    let project = target.project.clone();
    let dest = match &args.to_project {
        Some(p) => destination(p, &project)?,
        None => project.clone(),
    };
    if let Some(new_name) = &args.name {
        validate_version(new_name)?;
    }
    let tags = args
        .tags
        .as_deref()
        .map(|t| write::split_list(t, "--tags"))
        .transpose()?;
    let content = args
        .content
        .as_deref()
        .map(write::content_arg)
        .transpose()?;
    let name = ctx.resolve_target(&target).await?;
    let new_name = args.name.clone().unwrap_or_else(|| format!("{name}-copy"));
    validate_version(&new_name)?;
    let registry = ctx.registry(project);
    let source = ctx
        .client()?
        .get_version(&registry, &name)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    let keep_run = !args.no_run && source.run.is_some();
    let fields = Fields {
        description: args
            .description
            .clone()
            .or_else(|| source.description.clone()),
        tags: tags.or_else(|| source.tags.clone()),
        content: content.or_else(|| source.content.clone()),
        readme: source.readme.clone(),
        run: source.run.clone().filter(|_| keep_run),
        artifacts: source.artifacts.clone().filter(|_| keep_run),
        connection: source.connection.clone(),
        ..Fields::default()
    };
    let mode = Mode {
        force: args.force,
        dry_run: args.dry_run,
    };
    register_version(ctx, &ctx.registry(dest), &new_name, &fields, mode).await
}

//! `pxa delete`: delete a version after a `[y/N]` confirmation on a terminal, or with -y.

use anyhow::Result;

use super::write;
use super::{Context, not_found_hint};
use crate::api::versions::requests;
use crate::cli::DeleteArgs;
use crate::exit::{CliError, Code};
use crate::output::Format;

pub async fn run(args: DeleteArgs, ctx: &Context) -> Result<()> {
    let (project, name) = ctx.version_target(&args.version)?;
    let interactive = ctx.printer().facts().stdin_tty;
    if !args.yes && !args.dry_run && !interactive {
        return Err(CliError::usage(
            "refusing to delete without confirmation: stdin is not a terminal",
        )
        .with_hint("pass -y/--yes to delete without asking")
        .into());
    }
    let registry = ctx.registry(project);
    let client = ctx.client()?;
    let shown = format!("{} version {}:{name}", registry.kind, registry.project);
    let version = client
        .get_version(&registry, &name)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    let request = requests::delete(client, &registry, &name);
    if args.dry_run {
        return write::print_dry_run(ctx, &request);
    }
    if !args.yes && !ctx.printer().confirm(&format!("Delete {shown}?"))? {
        return Err(CliError::new(Code::Failure, "aborted: nothing was deleted").into());
    }
    client
        .execute(&request)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    let out = &ctx.out;
    match out.format {
        Format::Name => out.lines([&name])?,
        Format::Json | Format::Yaml => out.structured(&version.raw)?,
        _ => ctx.printer().note(&format!("deleted {shown}")),
    }
    Ok(())
}

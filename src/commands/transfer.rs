//! `pxa transfer`: move a version to another project of the same owner.

use anyhow::Result;

use super::register::{send_and_show, show_version};
use super::{Context, not_found_hint};
use crate::api::ApiError;
use crate::api::versions::requests;
use crate::cli::TransferArgs;
use crate::exit::{CliError, Code};
use crate::reference::ProjectRef;

pub async fn run(args: TransferArgs, ctx: &Context) -> Result<()> {
    let target = ctx.target(&args.version)?;
    let dest = destination(&args.to_project, &target.project)?;
    let name = ctx.resolve_target(&target).await?;
    let project = target.project;
    let registry = ctx.registry(project.clone());
    let dest_registry = ctx.registry(dest.clone());
    let client = ctx.client()?;
    client
        .get_version(&registry, &name)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    if dest == project {
        ctx.printer()
            .note(&format!("{name} is already in {project}: nothing to do"));
        return show_version(ctx, &registry, &name, "unchanged").await;
    }
    // The server fails with an empty 405 on a name clash: check first and say it clearly.
    if client.find_version(&dest_registry, &name).await?.is_some() {
        return Err(CliError::new(
            Code::Conflict,
            format!(
                "{dest} already has a {} version named {name}",
                registry.kind
            ),
        )
        .with_hint(format!(
            "rename one of them first, e.g. pxa update {project}:{name} --name {name}-moved"
        ))
        .into());
    }
    let request = requests::transfer(client, &registry, &name, &dest.name);
    send_and_show(
        ctx,
        &dest_registry,
        &name,
        &request,
        args.dry_run,
        "transferred",
    )
    .await
    .map_err(|e| missing_project(e, &dest))
}

/// `name` or `owner/name`; the server moves versions only between projects of one owner.
pub fn destination(flag: &str, source: &ProjectRef) -> Result<ProjectRef, CliError> {
    let mut dest = ProjectRef::parse(flag)?;
    if flag.contains('/') || flag.contains('.') {
        if dest.owner != source.owner {
            return Err(CliError::usage(format!(
                "cannot transfer from owner `{}` to owner `{}`",
                source.owner, dest.owner
            ))
            .with_hint("the destination must belong to the same owner; pass just its name"));
        }
    } else {
        dest.owner = source.owner.clone();
    }
    Ok(dest)
}

/// The server's 400 for an unknown destination becomes a not-found (exit 3).
fn missing_project(err: anyhow::Error, dest: &ProjectRef) -> anyhow::Error {
    match err.downcast_ref::<ApiError>() {
        Some(api)
            if api.status() == Some(400)
                && api
                    .server_message()
                    .is_some_and(|m| m.contains("does not exist")) =>
        {
            CliError::new(Code::NotFound, format!("{api}"))
                .with_hint(format!(
                    "create the project {dest} first, or check its name"
                ))
                .into()
        }
        _ => err,
    }
}

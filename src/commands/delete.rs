//! `pxa delete`: delete versions after a `[y/N]` confirmation on a terminal, or with -y.

use anyhow::Result;
use serde_json::Value;

use super::target::batch::{Batch, Item, PARALLEL};
use super::target::{VersionTarget, several};
use super::write;
use super::{Context, not_found_hint};
use crate::api::versions::requests;
use crate::api::{ProjectVersion, Resource};
use crate::cli::DeleteArgs;
use crate::exit::{CliError, Code};
use crate::output::Format;

pub async fn run(args: DeleteArgs, ctx: &Context) -> Result<()> {
    let from_stdin = args.version.targets.iter().any(|t| t == "-");
    if from_stdin && !args.yes && !args.dry_run {
        return Err(CliError::usage(
            "refusing to delete without confirmation: stdin holds the list of targets",
        )
        .with_hint("pass -y/--yes to delete the versions listed on stdin")
        .into());
    }
    let targets = ctx.targets(&args.version)?;
    let interactive = ctx.printer().facts().stdin_tty;
    if !args.yes && !args.dry_run && !interactive {
        return Err(CliError::usage(
            "refusing to delete without confirmation: stdin is not a terminal",
        )
        .with_hint("pass -y/--yes to delete without asking")
        .into());
    }
    match targets.as_slice() {
        [target] if !several(&args.version) => delete_one(&args, ctx, target).await,
        _ => delete_several(&args, ctx, &targets).await,
    }
}

async fn delete_one(args: &DeleteArgs, ctx: &Context, target: &VersionTarget) -> Result<()> {
    let name = ctx.resolve_target(target).await?;
    let registry = ctx.registry(target.project.clone());
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
        return Err(aborted());
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

/// Reads every version first, asks once for all of them, then deletes each; a version that
/// fails is named at the end.
async fn delete_several(args: &DeleteArgs, ctx: &Context, targets: &[VersionTarget]) -> Result<()> {
    let (mut batch, items) = Batch::resolve(ctx, targets).await;
    let client = ctx.client()?;
    let found = batch.read(ctx, items).await?;
    let request =
        |item: &Item| requests::delete(client, &ctx.registry(item.project.clone()), &item.name);
    if args.dry_run {
        let all: Vec<Value> = found
            .iter()
            .map(|(item, _)| serde_json::to_value(request(item)))
            .collect::<Result<_, _>>()?;
        write::print_value(ctx, &Value::Array(all))?;
        return batch.outcome();
    }
    let shown: Vec<String> = found.iter().map(|(item, _)| item.shown()).collect();
    let question = format!(
        "Delete {} {} versions: {}?",
        shown.len(),
        ctx.kind,
        shown.join(", ")
    );
    if !found.is_empty() && !args.yes && !ctx.printer().confirm(&question)? {
        return Err(aborted());
    }
    let items = found.iter().map(|(item, _)| item.clone()).collect();
    let deleted = batch
        .each(items, PARALLEL, |item| async move {
            client
                .execute(&request(&item))
                .await
                .map_err(|e| not_found_hint(e, &item.name, ctx))
        })
        .await;
    print_deleted(ctx, &found, &deleted)?;
    batch.outcome()
}

/// The deleted versions: names, the versions as read before (a list), or a line each.
fn print_deleted(
    ctx: &Context,
    found: &[(Item, Resource<ProjectVersion>)],
    deleted: &[(Item, ())],
) -> Result<()> {
    let out = &ctx.out;
    match out.format {
        Format::Name => out.lines(deleted.iter().map(|(item, ())| &item.name))?,
        Format::Json | Format::Yaml => {
            let raw = |d: &Item| {
                found
                    .iter()
                    .find(|(i, _)| i == d)
                    .map(|(_, v)| v.raw.clone())
            };
            let all = deleted.iter().filter_map(|(item, ())| raw(item));
            out.structured(&Value::Array(all.collect()))?;
        }
        _ => {
            for (item, ()) in deleted {
                ctx.printer()
                    .note(&format!("deleted {} version {}", ctx.kind, item.shown()));
            }
        }
    }
    Ok(())
}

fn aborted() -> anyhow::Error {
    CliError::new(Code::Failure, "aborted: nothing was deleted").into()
}

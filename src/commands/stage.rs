//! `pxa stage`: add a stage condition to versions, optionally only from an expected stage.

use anyhow::Result;
use serde_json::Value;

use super::get::{print_version, print_versions};
use super::target::batch::Batch;
use super::target::several;
use super::write::{self, stage_condition};
use super::{Context, hints, not_found_hint};
use crate::api::versions::requests;
use crate::api::{ApiRequest, ProjectVersion, Registry, Resource};
use crate::cli::StageArgs;
use crate::exit::{CliError, Code};

/// What staging one version came to, to print once every version is done.
struct Staged {
    /// Said on stderr first.
    note: Option<String>,
    /// The write a dry run would send.
    request: Option<ApiRequest>,
    /// The version read back (none in a dry run).
    version: Option<Resource<ProjectVersion>>,
    /// Said on stderr last.
    after: Option<&'static str>,
}

pub async fn run(args: StageArgs, ctx: &Context) -> Result<()> {
    let targets = ctx.targets(&args.version)?;
    if let [target] = targets.as_slice()
        && !several(&args.version)
    {
        let name = ctx.resolve_target(target).await?;
        let registry = ctx.registry(target.project.clone());
        let staged = stage_one(&args, ctx, &registry, &name).await?;
        say(ctx, &staged, |s| s.note.as_deref());
        if let Some(request) = &staged.request {
            write::print_dry_run(ctx, request)?;
        }
        if let Some(v) = &staged.version {
            print_version(ctx, &v.raw, &v.item)?;
        }
        say(ctx, &staged, |s| s.after);
        return Ok(());
    }
    let (mut batch, items) = Batch::resolve(ctx, &targets).await;
    let args = &args;
    // One after the other, in the order given: the last one is PROJECT@STAGE afterwards.
    let done = batch
        .each(items, 1, |item| async move {
            stage_one(args, ctx, &ctx.registry(item.project.clone()), &item.name).await
        })
        .await;
    for (_, staged) in &done {
        say(ctx, staged, |s| s.note.as_deref());
        say(ctx, staged, |s| s.after);
    }
    if args.dry_run {
        let requests = done.iter().filter_map(|(_, s)| s.request.as_ref());
        let all: Vec<Value> = requests
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
        write::print_value(ctx, &Value::Array(all))?;
    } else {
        let versions: Vec<Resource<ProjectVersion>> =
            done.into_iter().filter_map(|(_, s)| s.version).collect();
        print_versions(ctx, &versions)?;
    }
    batch.outcome()
}

/// `--if-stage S`: exit 6 unless the version is in S now.
fn check_if_stage(
    args: &StageArgs,
    current: &str,
    registry: &Registry,
    name: &str,
) -> Result<(), CliError> {
    let Some(expected) = args.if_stage else {
        return Ok(());
    };
    if current == expected.as_str() {
        return Ok(());
    }
    let shown = format!("{} version {}:{name}", registry.kind, registry.project);
    Err(CliError::new(
        Code::Precondition,
        format!("{shown} is in stage `{current}`, not `{expected}`: stage not changed"),
    )
    .with_hint(format!(
        "drop --if-stage to move it anyway: pxa {}stage {}:{name} --to {}",
        hints::kind_words(registry.kind),
        registry.project,
        args.to
    )))
}

fn say(ctx: &Context, staged: &Staged, what: impl Fn(&Staged) -> Option<&str>) {
    if let Some(text) = what(staged) {
        ctx.printer().note(text);
    }
}

/// Moves one version (checking --if-stage first), or says what a dry run would send.
async fn stage_one(
    args: &StageArgs,
    ctx: &Context,
    registry: &Registry,
    name: &str,
) -> Result<Staged> {
    let client = ctx.client()?;
    let shown = format!("{} version {}:{name}", registry.kind, registry.project);
    // Read-then-write: a change made by someone else between the two is not detected.
    let stages = client
        .get_stages(registry, name)
        .await
        .map_err(|e| not_found_hint(e, name, ctx))?;
    let current = stages.stage.as_deref().unwrap_or("none");
    check_if_stage(args, current, registry, name)?;
    let to = args.to;
    let mut staged = Staged {
        note: None,
        request: None,
        version: None,
        after: None,
    };
    if current == to.as_str() && !args.force {
        // Writing again would only replace the last condition's reason, message and time.
        if args.dry_run {
            staged.note = Some(format!("already in {to}: {shown}; nothing would be sent"));
        } else {
            staged.version = Some(client.get_version(registry, name).await?);
            staged.note = Some(format!("already in {to}: {shown}"));
            staged.after = Some("nothing sent; --force writes the stage condition again");
        }
        return Ok(staged);
    }
    let condition = stage_condition(
        to,
        &args.reason,
        args.message.as_deref(),
        chrono::Utc::now(),
    );
    let request = requests::set_stage(client, registry, name, condition);
    if args.dry_run {
        staged.request = Some(request);
        return Ok(staged);
    }
    client
        .execute(&request)
        .await
        .map_err(|e| not_found_hint(e, name, ctx))?;
    // The POST answers `{"stage":null,…}`: read the stages back to report the real outcome.
    let stages = client.get_stages(registry, name).await?;
    let now = stages.stage.as_deref().unwrap_or("none");
    if now != to.as_str() {
        ctx.printer().warn(&format!(
            "the server accepted the change but reports stage `{now}` for {shown}"
        ));
    }
    staged.version = Some(client.get_version(registry, name).await?);
    staged.note = Some(format!("moved to {now}: {shown}"));
    Ok(staged)
}

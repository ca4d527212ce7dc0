//! `pxa stage`: add a stage condition to a version, optionally only from an expected stage.

use anyhow::Result;

use super::register::show_version;
use super::write::{self, stage_condition};
use super::{Context, hints, not_found_hint};
use crate::api::versions::requests;
use crate::cli::StageArgs;
use crate::exit::{CliError, Code};

pub async fn run(args: StageArgs, ctx: &Context) -> Result<()> {
    let (project, name) = ctx.version_target(&args.version)?;
    let registry = ctx.registry(project);
    let client = ctx.client()?;
    let shown = format!("{} version {}:{name}", registry.kind, registry.project);
    // Read-then-write: a change made by someone else between the two is not detected.
    let stages = client
        .get_stages(&registry, &name)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    let current = stages.stage.as_deref().unwrap_or("none");
    if let Some(expected) = args.if_stage
        && current != expected.as_str()
    {
        return Err(CliError::new(
            Code::Precondition,
            format!("{shown} is in stage `{current}`, not `{expected}`: stage not changed"),
        )
        .with_hint(format!(
            "drop --if-stage to move it anyway: pxa {}stage {}:{name} --to {}",
            hints::kind_words(registry.kind),
            registry.project,
            args.to
        ))
        .into());
    }
    if current == args.to.as_str() && !args.force {
        // Writing again would only replace the last condition's reason, message and time.
        let to = args.to;
        if args.dry_run {
            ctx.printer()
                .note(&format!("already in {to}: {shown}; nothing would be sent"));
            return Ok(());
        }
        show_version(ctx, &registry, &name, &format!("already in {to}:")).await?;
        ctx.printer()
            .note("nothing sent; --force writes the stage condition again");
        return Ok(());
    }
    let condition = stage_condition(
        args.to,
        &args.reason,
        args.message.as_deref(),
        chrono::Utc::now(),
    );
    let request = requests::set_stage(client, &registry, &name, condition);
    if args.dry_run {
        return write::print_dry_run(ctx, &request);
    }
    client
        .execute(&request)
        .await
        .map_err(|e| not_found_hint(e, &name, ctx))?;
    // The POST answers `{"stage":null,…}`: read the stages back to report the real outcome.
    let stages = client.get_stages(&registry, &name).await?;
    let now = stages.stage.as_deref().unwrap_or("none");
    if now != args.to.as_str() {
        ctx.printer().warn(&format!(
            "the server accepted the change but reports stage `{now}` for {shown}"
        ));
    }
    show_version(ctx, &registry, &name, &format!("moved to {now}:")).await
}

//! Which versions a pull is about: named ones (TARGET…, `-` for stdin, `@STAGE` resolved), or
//! a selection of the list (`-a`, `-q`, `-l`, `--offset`, every page).

use anyhow::Result;
use serde_json::json;

use crate::api::{Client, ListParams, Registry};
use crate::cli::PullArgs;
use crate::commands::Context;
use crate::commands::target::VersionTarget;
use crate::commands::target::batch::Batch;
use crate::exit::{CliError, classify};
use crate::output::progress::Progress;
use crate::progress::{Item, Reporter};
use crate::pull::{VersionReport, Wanted};

/// The named versions to pull (checked, stdin read; nothing sent yet).
pub fn targets(args: &PullArgs, ctx: &Context) -> Result<Vec<VersionTarget>, CliError> {
    if args.which.targets.is_empty() && args.which.version.is_none() {
        return Err(CliError::usage("no version to pull").with_hint(
            "pass --version NAME (or PROJECT:VERSION, or several), or -a / -q QUERY / -l N",
        ));
    }
    let targets = ctx.targets(&args.which)?;
    if let Some(other) = targets.iter().find(|t| t.project != targets[0].project) {
        return Err(CliError::usage(format!(
            "the targets are in two projects ({} and {}): versions of both would land in the \
             same <root>/<kind>s/<version> folders",
            targets[0].project, other.project
        ))
        .with_hint("run one pull per project"));
    }
    Ok(targets)
}

/// The registry and names of the targets (`@STAGE` resolved on the server), each version
/// once; with several targets, one that cannot be resolved is a failed version (said at once
/// when failures are told live) rather than the end of the pull.
pub async fn resolve(
    ctx: &Context,
    targets: &[VersionTarget],
    several: bool,
    live: Option<&Progress>,
) -> Result<(Registry, Vec<Wanted>, Vec<VersionReport>)> {
    let registry = ctx.registry(targets[0].project.clone());
    if !several {
        let name = ctx.resolve_target(&targets[0]).await?;
        return Ok((registry, vec![wanted(name)], Vec::new()));
    }
    let (batch, items) = Batch::resolve(ctx, targets).await;
    let failed = batch.into_failures().into_iter().map(|(target, err)| {
        let report = classify(&err);
        if let Some(progress) = live {
            progress.failed(Item::entry(&target), &report.message);
        }
        VersionReport {
            version: target,
            path: None,
            status: "failed",
            error: Some(report.message),
            code: report.code,
            debug: None,
            missing: None,
            entries: Vec::new(),
        }
    });
    let failed = failed.collect();
    let wanted = items.into_iter().map(|i| wanted(i.name)).collect();
    Ok((registry, wanted, failed))
}

fn wanted(name: String) -> Wanted {
    Wanted {
        name,
        ..Wanted::default()
    }
}

/// The project of a bulk pull; a version name cannot be given with one.
pub fn bulk_project(args: &PullArgs) -> Result<Option<&str>, CliError> {
    let which = &args.which;
    let refused = |why: &str| {
        CliError::usage(format!("{why} cannot be combined with -a/-q/-l/--offset")).with_hint(
            "pull one version with --version, several as targets, or a selection with -a, -q, \
             -l, --offset",
        )
    };
    if which.version.is_some() || (!which.targets.is_empty() && which.project.is_some()) {
        return Err(refused("a version name"));
    }
    if which.targets.len() > 1 || which.targets.iter().any(|t| t == "-") {
        return Err(refused("several targets (or `-`)"));
    }
    Ok(which
        .targets
        .first()
        .map(String::as_str)
        .or(which.project.as_deref()))
}

pub async fn select_many(
    args: &PullArgs,
    client: &Client,
    registry: &Registry,
    progress: &Progress,
) -> Result<Vec<Wanted>> {
    let offset = args.offset.unwrap_or(0);
    let params = ListParams {
        offset,
        limit: None,
        sort: None,
        query: args.query.clone(),
        no_page: false,
    };
    let want = if args.all_versions {
        None
    } else {
        Some(args.limit.unwrap_or(20))
    };
    let (items, count) = client.list_versions_all(registry, &params, want).await?;
    if let Some(note) = cut_short(want, offset, items.len() as u64, count) {
        progress.note(&note);
    }
    let wanted = items
        .into_iter()
        .map(|v| Wanted {
            uuid: v.item.uuid,
            updated_at: v.item.updated_at,
            name: v.item.name,
        })
        .collect();
    Ok(wanted)
}

/// What to say when `-l` (or its default of 20) leaves versions of the selection out.
fn cut_short(want: Option<u64>, offset: u64, got: u64, count: Option<u64>) -> Option<String> {
    let (limit, count) = (want?, count?);
    let left = count.saturating_sub(offset + got);
    (left > 0).then(|| {
        format!(
            "pulling {got} of the {} versions selected (-l {limit}); {left} more: raise -l or pass -a for all",
            count.saturating_sub(offset)
        )
    })
}

/// What names a bulk pull, for its journal of finished versions: the same command run again
/// (after an interruption) finds it.
pub fn bulk_key(args: &PullArgs, ctx: &Context, registry: &Registry) -> String {
    json!({
        "host": ctx.settings.client_config().host.as_str(),
        "project": registry.project.to_string(),
        "kind": registry.kind.as_str(),
        "all": args.all_versions, "query": args.query, "limit": args.limit, "offset": args.offset,
        "artifacts": args.artifacts, "no_artifacts": args.no_artifacts,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_that_leaves_versions_out_is_said() {
        assert_eq!(
            cut_short(Some(20), 0, 20, Some(30)).as_deref(),
            Some(
                "pulling 20 of the 30 versions selected (-l 20); 10 more: raise -l or pass -a for all"
            )
        );
        assert_eq!(cut_short(Some(20), 0, 12, Some(12)), None);
        assert_eq!(cut_short(None, 0, 150, Some(150)), None);
        assert_eq!(cut_short(Some(5), 25, 5, Some(30)), None);
        assert_eq!(cut_short(Some(5), 20, 5, None), None);
    }
}

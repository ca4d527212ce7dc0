//! `pxa pull`: one version or many (all pages), with progress, signals and honest exit codes;
//! `--dry-run` prints the plan instead.

mod dry_run;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;
use tokio::sync::Semaphore;

use super::{Context, hints};
use crate::api::{Client, ListParams, Registry};
use crate::cli::PullArgs;
use crate::exit::{CliError, Code};
use crate::output::progress::{Mode, Progress};
use crate::progress::Reporter;
use crate::pull::download::Downloader;
use crate::pull::shared::Shared;
use crate::pull::{Options, VersionReport, Wanted, in_the_way, kind_dir, pull_many, refused};

pub async fn run(args: PullArgs, ctx: &Context) -> Result<()> {
    check_seconds("--stall-timeout", args.stall_timeout, false)?;
    check_seconds("--lock-timeout", args.lock_timeout, true)?;
    let bulk =
        args.all_versions || args.query.is_some() || args.limit.is_some() || args.offset.is_some();
    let root = args
        .path
        .clone()
        .unwrap_or_else(|| ctx.settings.offline_root.clone());
    check_root(&root, args.dry_run)?;
    let mode = if args.quiet {
        Mode::None
    } else {
        args.progress
    };
    let progress = Arc::new(Progress::new(mode, ctx.printer().clone()));
    ctx.report_retries_to(progress.clone());
    let client = ctx.client()?;
    let (registry, wanted) = if bulk {
        let registry = ctx.registry(ctx.project(bulk_project(&args)?)?);
        check_in_the_way(&kind_dir(&root, &registry), [])?;
        let wanted = select_many(&args, client, &registry, progress.as_ref()).await?;
        (registry, wanted)
    } else {
        select_one(&args, ctx)?
    };
    let names = wanted.iter().map(|w| w.name.as_str());
    check_in_the_way(&kind_dir(&root, &registry), names)?;
    let dl = Downloader {
        client: client.clone(),
        retries: args.retries,
        stall: Duration::from_secs_f64(args.stall_timeout),
        progress: progress.clone(),
        slots: Arc::new(Semaphore::new(args.jobs as usize)),
        shared: Arc::new(match wanted.len() {
            1 => Shared::default(),
            _ => Shared::deduplicating(),
        }),
    };
    let live = live_lines(bulk, progress.mode());
    let opts = options(&args, ctx, &registry, root, bulk, progress.mode());
    if args.dry_run {
        return dry_run::run(&dl, &registry, &wanted, &opts, ctx).await;
    }
    let reports = tokio::select! {
        reports = pull_many(&dl, &registry, &wanted, &opts) => reports,
        signal = interrupted() => {
            progress.abandon();
            return Err(CliError::new(Code::Interrupted, format!("interrupted by {signal}"))
                .with_hint(hints::RESUME)
                .into());
        }
    };
    let ok = reports.iter().filter(|r| r.code == Code::Ok).count();
    progress.summary(ok, reports.len() - ok);
    print_reports(ctx, &reports)?;
    outcome(ctx, &reports, bulk, live)
}

/// Whether failures appear as human lines while the pull runs (a bulk pull's bars or log).
fn live_lines(bulk: bool, mode: Mode) -> bool {
    bulk && matches!(mode, Mode::Bars | Mode::Plain)
}

fn options(
    args: &PullArgs,
    ctx: &Context,
    registry: &Registry,
    root: std::path::PathBuf,
    bulk: bool,
    mode: Mode,
) -> Options {
    Options {
        root,
        no_artifacts: args.no_artifacts,
        select: args.artifacts.clone(),
        strict_select: !bulk,
        jobs: args.jobs as usize,
        skip_existing: args.skip_existing,
        lock_wait: Duration::from_secs_f64(args.lock_timeout),
        // Failures are told as they happen in a bulk pull's log and in JSON events; otherwise
        // the error line at the end is the one place that says it.
        live_failures: live_lines(bulk, mode) || mode == Mode::Json,
        bulk: bulk.then(|| bulk_key(args, ctx, registry)),
    }
}

fn check_seconds(flag: &str, value: f64, zero_ok: bool) -> Result<(), CliError> {
    let ok = value.is_finite() && (value > 0.0 || (zero_ok && value == 0.0));
    if ok {
        return Ok(());
    }
    let what = if zero_ok {
        "0 or more"
    } else {
        "a positive number of"
    };
    Err(CliError::usage(format!("{flag} must be {what} seconds"))
        .with_hint(format!("for example {flag} 30")))
}

/// Refuses a root that is a file or cannot be written, before any request. A dry run writes
/// nothing, not even the root.
fn check_root(root: &Path, dry_run: bool) -> Result<(), CliError> {
    let hint = "pass --path a folder you can write to (it is created if missing)";
    if root.exists() && !root.is_dir() {
        return Err(
            CliError::usage(format!("--path {} is a file, not a folder", root.display()))
                .with_hint(hint),
        );
    }
    if dry_run {
        return Ok(());
    }
    let probe = root.join(format!(".pxa-write-test-{}", std::process::id()));
    let writable = std::fs::create_dir_all(root)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe));
    writable.map_err(|e| {
        CliError::usage(format!("cannot write to --path {}: {e}", root.display())).with_hint(hint)
    })
}

/// Refuses a file (or anything but a folder) where `<root>/<kind>s` or a version folder must
/// go, before any download; it is left as it is.
fn check_in_the_way<'a>(
    kind_dir: &Path,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), CliError> {
    match in_the_way(kind_dir, names) {
        None => Ok(()),
        Some((path, what)) => Err(CliError::usage(refused(&path, what))
            .with_hint("move it away, or pull to another --path")),
    }
}

fn select_one(args: &PullArgs, ctx: &Context) -> Result<(Registry, Vec<Wanted>), CliError> {
    if args.which.target.is_none() && args.which.version.is_none() {
        return Err(CliError::usage("no version to pull").with_hint(
            "pass --version NAME (or PROJECT:VERSION), or -a / -q QUERY / -l N for several",
        ));
    }
    let (project, name) = ctx.version_target(&args.which)?;
    let wanted = Wanted {
        name,
        ..Wanted::default()
    };
    Ok((ctx.registry(project), vec![wanted]))
}

/// The project of a bulk pull; a version name cannot be given with one.
fn bulk_project(args: &PullArgs) -> Result<Option<&str>, CliError> {
    let which = &args.which;
    if which.version.is_some() || (which.target.is_some() && which.project.is_some()) {
        return Err(
            CliError::usage("a version name cannot be combined with -a/-q/-l/--offset")
                .with_hint("pull one version with --version, or several with -a, -q, -l, --offset"),
        );
    }
    Ok(which.target.as_deref().or(which.project.as_deref()))
}

async fn select_many(
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
fn bulk_key(args: &PullArgs, ctx: &Context, registry: &Registry) -> String {
    json!({
        "host": ctx.settings.client_config().host.as_str(),
        "project": registry.project.to_string(),
        "kind": registry.kind.as_str(),
        "all": args.all_versions, "query": args.query, "limit": args.limit, "offset": args.offset,
        "artifacts": args.artifacts, "no_artifacts": args.no_artifacts,
    })
    .to_string()
}

fn print_reports(ctx: &Context, reports: &[VersionReport]) -> Result<()> {
    if ctx.out.is_structured() {
        return ctx.out.structured(&json!({ "versions": reports }));
    }
    let paths = reports
        .iter()
        .filter_map(|r| r.path.as_ref())
        .map(|p| p.display().to_string());
    Ok(ctx.out.lines(paths)?)
}

/// The exit: the first failure's code and message for one version, 10 for a bulk pull where
/// some versions failed. Each reason is said once: in the live lines when there were any.
fn outcome(ctx: &Context, reports: &[VersionReport], bulk: bool, live: bool) -> Result<()> {
    let failed: Vec<&VersionReport> = reports.iter().filter(|r| r.code != Code::Ok).collect();
    let Some(first) = failed.first() else {
        return Ok(());
    };
    for r in failed.iter().filter(|_| ctx.settings.verbose) {
        if let Some(text) = &r.debug {
            ctx.printer()
                .debug(format_args!("{}: the server said: {text}", r.version));
        }
    }
    let detail = |r: &VersionReport| format!("{}: {}", r.version, r.error.as_deref().unwrap_or(""));
    if bulk && (live || failed.len() < reports.len()) {
        let list: Vec<String> = match live {
            true => failed.iter().map(|r| r.version.clone()).collect(),
            false => failed.iter().map(|r| detail(r)).collect(),
        };
        let above = if live { " (reasons above)" } else { "" };
        let message = format!(
            "{} of {} versions failed: {}{above}",
            failed.len(),
            reports.len(),
            list.join("; ")
        );
        let code = if failed.len() < reports.len() {
            Code::Partial
        } else {
            first.code
        };
        return Err(CliError::new(code, message)
            .with_hint("run the same command again: pulled versions are kept, failed ones resume")
            .into());
    }
    Err(CliError::new(first.code, detail(first))
        .with_hint(hints::pull(first.code, first.missing))
        .into())
}

/// Resolves on Ctrl-C or SIGTERM, naming the signal.
pub(super) async fn interrupted() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = async {
                match term.as_mut() {
                    Some(t) => { t.recv().await; }
                    None => std::future::pending::<()>().await,
                }
            } => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
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

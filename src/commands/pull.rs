//! `pxa pull`: one version or many (all pages), with progress, signals and honest exit codes;
//! `--dry-run` prints the plan instead.

mod dry_run;
mod select;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;
use tokio::sync::Semaphore;

use super::target::several;
use super::{Context, hints};
use crate::api::Registry;
use crate::cli::PullArgs;
use crate::exit::{CliError, Code};
use crate::output::progress::{Mode, Progress};
use crate::pull::download::Downloader;
use crate::pull::shared::Shared;
use crate::pull::{Options, VersionReport, Wanted, in_the_way, kind_dir, pull_many, refused};

pub async fn run(args: PullArgs, ctx: &Context) -> Result<()> {
    check_seconds("--stall-timeout", args.stall_timeout, false)?;
    check_seconds("--lock-timeout", args.lock_timeout, true)?;
    let bulk =
        args.all_versions || args.query.is_some() || args.limit.is_some() || args.offset.is_some();
    // Named versions are checked (and stdin read) before anything else happens.
    let named = (!bulk).then(|| select::targets(&args, ctx)).transpose()?;
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
    // Several named versions are pulled as a bulk pull is (a failure does not stop the rest).
    let several = bulk || several(&args.which);
    let live = live_lines(several, progress.mode());
    let told = (live || progress.mode() == Mode::Json).then_some(progress.as_ref());
    let (registry, wanted, unresolved) = match &named {
        Some(targets) => select::resolve(ctx, targets, several, told).await?,
        None => select_many(&args, ctx, &root, progress.as_ref()).await?,
    };
    let names = wanted.iter().map(|w| w.name.as_str());
    check_in_the_way(&kind_dir(&root, &registry), names)?;
    let dl = Downloader {
        client: ctx.client()?.clone(),
        retries: args.retries,
        stall: Duration::from_secs_f64(args.stall_timeout),
        progress: progress.clone(),
        slots: Arc::new(Semaphore::new(args.jobs as usize)),
        shared: Arc::new(match wanted.len() {
            1 => Shared::default(),
            _ => Shared::deduplicating(),
        }),
    };
    let mut opts = options(&args, root, several, progress.mode());
    opts.bulk = bulk.then(|| select::bulk_key(&args, ctx, &registry));
    let again = again_hint(bulk, &registry);
    if args.dry_run {
        dry_run::run(&dl, &registry, &wanted, &opts, ctx).await?;
        return outcome(ctx, &unresolved, wanted.len(), (several, live), &again);
    }
    let mut reports = tokio::select! {
        reports = pull_many(&dl, &registry, &wanted, &opts) => reports,
        signal = interrupted() => {
            progress.abandon();
            return Err(CliError::new(Code::Interrupted, format!("interrupted by {signal}"))
                .with_hint(hints::RESUME)
                .into());
        }
    };
    reports.extend(unresolved);
    let ok = reports.iter().filter(|r| r.code == Code::Ok).count();
    progress.summary(ok, reports.len() - ok);
    print_reports(ctx, &reports)?;
    outcome(ctx, &reports, 0, (several, live), &again)
}

/// `-a`, `-q`, `-l`, `--offset`: the project's versions the list selects.
async fn select_many(
    args: &PullArgs,
    ctx: &Context,
    root: &Path,
    progress: &Progress,
) -> Result<(Registry, Vec<Wanted>, Vec<VersionReport>)> {
    let registry = ctx.registry(ctx.project(select::bulk_project(args)?)?);
    check_in_the_way(&kind_dir(root, &registry), [])?;
    let wanted = select::select_many(args, ctx.client()?, &registry, progress).await?;
    Ok((registry, wanted, Vec::new()))
}

/// The hint of a pull of several versions where some failed, given as `{failed}` targets.
fn again_hint(bulk: bool, registry: &Registry) -> Again {
    match bulk {
        true => Again::SameCommand,
        false => Again::Named {
            words: hints::kind_words(registry.kind),
            project: registry.project.to_string(),
        },
    }
}

/// What to run again after a pull of several versions where some failed.
enum Again {
    /// The bulk pull's journal keeps what was pulled: the same command resumes.
    SameCommand,
    /// Named versions: pull the failed ones.
    Named {
        words: &'static str,
        project: String,
    },
}

impl Again {
    fn hint(&self, failed: &[&VersionReport]) -> String {
        let Self::Named { words, project } = self else {
            return "run the same command again: pulled versions are kept, failed ones resume"
                .to_string();
        };
        // A report names a version, or the target that could not be resolved (`p@stage`).
        let targets: Vec<String> = failed
            .iter()
            .map(|r| match r.version.contains(['@', ':']) {
                true => r.version.clone(),
                false => format!("{project}:{}", r.version),
            })
            .collect();
        format!(
            "the others were pulled; pull the failed ones again: pxa {words}pull {}",
            targets.join(" ")
        )
    }
}

/// Whether failures appear as human lines while the pull runs (a bulk pull's bars or log).
fn live_lines(bulk: bool, mode: Mode) -> bool {
    bulk && matches!(mode, Mode::Bars | Mode::Plain)
}

fn options(args: &PullArgs, root: std::path::PathBuf, several: bool, mode: Mode) -> Options {
    Options {
        root,
        no_artifacts: args.no_artifacts,
        select: args.artifacts.clone(),
        strict_select: !several,
        jobs: args.jobs as usize,
        skip_existing: args.skip_existing,
        lock_wait: Duration::from_secs_f64(args.lock_timeout),
        // Failures are told as they happen in a bulk pull's log and in JSON events; otherwise
        // the error line at the end is the one place that says it.
        live_failures: live_lines(several, mode) || mode == Mode::Json,
        bulk: None,
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

/// The exit: the first failure's code and message for one version, 10 for a pull of several
/// where some versions failed (`others_ok`: versions that succeeded besides `reports`, as in
/// a dry run). Each reason is said once: in the live lines when there were any.
fn outcome(
    ctx: &Context,
    reports: &[VersionReport],
    others_ok: usize,
    (several, live): (bool, bool),
    again: &Again,
) -> Result<()> {
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
    let total = reports.len() + others_ok;
    if several && (live || failed.len() < total) {
        let list: Vec<String> = match live {
            true => failed.iter().map(|r| r.version.clone()).collect(),
            false => failed.iter().map(|r| detail(r)).collect(),
        };
        let above = if live { " (reasons above)" } else { "" };
        let message = format!(
            "{} of {total} versions failed: {}{above}",
            failed.len(),
            list.join("; ")
        );
        let code = if failed.len() < total {
            Code::Partial
        } else {
            first.code
        };
        return Err(CliError::new(code, message)
            .with_hint(again.hint(&failed))
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

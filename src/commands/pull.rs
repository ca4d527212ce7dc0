//! `pxa pull`: one version or many (all pages), with progress, signals and honest exit codes.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use serde_json::json;
use tokio::sync::Semaphore;

use super::{Context, hints};
use crate::api::{ListParams, Registry};
use crate::cli::PullArgs;
use crate::exit::{CliError, Code};
use crate::output::progress::{Mode, Progress};
use crate::pull::download::Downloader;
use crate::pull::{Options, VersionReport, pull_many};

pub async fn run(args: PullArgs, ctx: &Context) -> Result<()> {
    if !(args.stall_timeout > 0.0 && args.stall_timeout.is_finite()) {
        return Err(
            CliError::usage("--stall-timeout must be a positive number of seconds")
                .with_hint("for example --stall-timeout 30 (the default)")
                .into(),
        );
    }
    let bulk =
        args.all_versions || args.query.is_some() || args.limit.is_some() || args.offset.is_some();
    let root = args
        .path
        .clone()
        .unwrap_or_else(|| ctx.settings.offline_root.clone());
    check_root(&root)?;
    let client = ctx.client()?;
    let (registry, names) = if bulk {
        select_many(&args, ctx).await?
    } else {
        select_one(&args, ctx)?
    };
    let mode = if args.quiet {
        Mode::None
    } else {
        args.progress
    };
    let progress = Arc::new(Progress::new(mode, ctx.printer().clone()));
    let dl = Downloader {
        client: client.clone(),
        retries: args.retries,
        stall: Duration::from_secs_f64(args.stall_timeout),
        progress: progress.clone(),
        slots: Arc::new(Semaphore::new(args.jobs as usize)),
    };
    let opts = Options {
        root,
        no_artifacts: args.no_artifacts,
        select: args.artifacts.clone(),
        strict_select: !bulk,
        jobs: args.jobs as usize,
    };
    let reports = tokio::select! {
        reports = pull_many(&dl, &registry, &names, &opts) => reports,
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
    outcome(&reports, bulk)
}

/// Refuses a root that is a file or cannot be written, before any request.
fn check_root(root: &std::path::Path) -> Result<(), CliError> {
    let hint = "pass --path a folder you can write to (it is created if missing)";
    if root.exists() && !root.is_dir() {
        return Err(
            CliError::usage(format!("--path {} is a file, not a folder", root.display()))
                .with_hint(hint),
        );
    }
    let probe = root.join(format!(".pxa-write-test-{}", std::process::id()));
    let writable = std::fs::create_dir_all(root)
        .and_then(|()| std::fs::write(&probe, b""))
        .and_then(|()| std::fs::remove_file(&probe));
    writable.map_err(|e| {
        CliError::usage(format!("cannot write to --path {}: {e}", root.display())).with_hint(hint)
    })
}

fn select_one(args: &PullArgs, ctx: &Context) -> Result<(Registry, Vec<String>), CliError> {
    if args.which.target.is_none() && args.which.version.is_none() {
        return Err(CliError::usage("no version to pull").with_hint(
            "pass --version NAME (or PROJECT:VERSION), or -a / -q QUERY / -l N for several",
        ));
    }
    let (project, name) = ctx.version_target(&args.which)?;
    Ok((ctx.registry(project), vec![name]))
}

async fn select_many(args: &PullArgs, ctx: &Context) -> Result<(Registry, Vec<String>)> {
    let which = &args.which;
    if which.version.is_some() || (which.target.is_some() && which.project.is_some()) {
        return Err(
            CliError::usage("a version name cannot be combined with -a/-q/-l/--offset")
                .with_hint("pull one version with --version, or several with -a, -q, -l, --offset")
                .into(),
        );
    }
    let project = ctx.project(which.target.as_deref().or(which.project.as_deref()))?;
    let registry = ctx.registry(project);
    let params = ListParams {
        offset: args.offset.unwrap_or(0),
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
    let (items, _) = ctx
        .client()?
        .list_versions_all(&registry, &params, want)
        .await?;
    let names = items.into_iter().map(|v| v.item.name).collect();
    Ok((registry, names))
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

fn outcome(reports: &[VersionReport], bulk: bool) -> Result<()> {
    let failed: Vec<&VersionReport> = reports.iter().filter(|r| r.code != Code::Ok).collect();
    let Some(first) = failed.first() else {
        return Ok(());
    };
    let detail = |r: &VersionReport| format!("{}: {}", r.version, r.error.as_deref().unwrap_or(""));
    if bulk && failed.len() < reports.len() {
        let list: Vec<String> = failed.iter().map(|r| detail(r)).collect();
        return Err(CliError::new(
            Code::Partial,
            format!(
                "{} of {} versions failed: {}",
                failed.len(),
                reports.len(),
                list.join("; ")
            ),
        )
        .with_hint("run the same command again: pulled versions are replaced atomically, failed ones resume")
        .into());
    }
    Err(CliError::new(first.code, detail(first))
        .with_hint(hints::pull(first.code))
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

//! Publishing local files as a version, shared by `upload` and `push`: read every PATH, check
//! the version, the run, its lineage and what its store holds (all before the first write),
//! then create or take the run, send the files, check them with the tree (and read them back
//! with `--verify`), record the lineage and register the version. If anything fails before
//! the version is registered, nothing is registered and the run is marked failed; the same
//! command run again finds the run and sends only what did not arrive.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use futures_util::future::join_all;
use tokio::sync::Semaphore;

use super::write::Fields;
use super::{Context, hints};

mod lineage;
mod show;
use crate::api::runs::{RunPath, RunStatus};
use crate::api::upload::Watch;
use crate::api::{Registry, StreamBase};
use crate::exit::{CliError, Code};
use crate::output::progress::{Mode as ProgressMode, Progress};
use crate::progress::{Planned, Reporter};
use crate::upload::local::{LocalEntry, Spec, scan};
use crate::upload::plan::{self, Remote};
use crate::upload::run::{self, RunChoice, Target};
use crate::upload::send::ARCHIVE_PREFIX;
use crate::upload::{EntryReport, Failure, Uploader};
use lineage::link;
use show::{conflict_refusal, note_run, print_plan, scan_refusal};

/// How the transfer runs.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    pub jobs: usize,
    pub retries: u32,
    pub stall: Duration,
    pub progress: ProgressMode,
}

/// Everything a publish needs, validated.
#[derive(Debug, Clone)]
pub struct Job {
    pub registry: Registry,
    pub version: String,
    /// The PATHs to send.
    pub specs: Vec<Spec>,
    /// Lineage entries recorded without files of their own (inside another entry's folder).
    pub linked_only: Vec<Spec>,
    /// The version's fields (`run` and `artifacts` are filled in here).
    pub fields: Fields,
    pub run: RunChoice,
    /// Update the version, send every file again, re-point lineage names.
    pub force: bool,
    pub dry_run: bool,
    pub verify: bool,
    pub transfer: Transfer,
}

/// What was read before any write.
struct Prepared {
    entries: Vec<LocalEntry>,
    target: Target,
    remotes: Vec<Remote>,
    existing: bool,
}

pub async fn publish(ctx: &Context, job: Job) -> Result<()> {
    // With JSON events or --quiet, a retried read is an event (or nothing), not a warning line.
    let mode = job.transfer.progress;
    if matches!(mode, ProgressMode::Json | ProgressMode::None) {
        let printer = ctx.printer().clone();
        ctx.report_retries_to(Arc::new(Progress::new(mode, printer).sending()));
    }
    let prepared = prepare(ctx, &job).await?;
    if job.dry_run {
        return print_plan(ctx, &job, &prepared);
    }
    let Prepared {
        entries,
        target,
        remotes,
        existing,
    } = prepared;
    let (target, base, existed) = take_run(ctx, &job, target).await?;
    let running = mark(
        ctx,
        &job,
        &target,
        RunStatus::Running,
        "pxa is uploading files",
    );
    let sending = transfer(ctx, &job, &target, &base, &entries, remotes);
    let (_, _, sent) = tokio::join!(running, clear_debris(ctx, &base, existed), sending);
    let linked = match sent {
        Ok(()) => link(ctx, &job, &target, &entries, existing).await,
        Err(e) => Err(e),
    };
    if let Err(e) = linked {
        mark(
            ctx,
            &job,
            &target,
            RunStatus::Failed,
            "the upload did not finish",
        )
        .await;
        return Err(e);
    }
    Ok(())
}

/// Reads everything an upload depends on and refuses what would fail or harm, sending nothing.
async fn prepare(ctx: &Context, job: &Job) -> Result<Prepared> {
    let entries = scan(job.specs.clone()).map_err(scan_refusal)?;
    let client = ctx.client()?;
    let reg = &job.registry;
    let (owner, project) = (&reg.project.owner, &reg.project.name);
    // A given run's destinations are listed while the run is read, from the stream base
    // every CE run has; listed again if the run names another (an agent, a store).
    let host = &client.config().host;
    let guess = match &job.run {
        RunChoice::Given(uuid) => Some(StreamBase::new(
            host,
            owner,
            project,
            uuid,
            &Default::default(),
        )),
        RunChoice::Own(_) => None,
    };
    let uploader = uploader(ctx, job, Arc::new(crate::progress::Silent))?;
    let early = async {
        match &guess {
            Some(base) => Some(join_all(entries.iter().map(|e| uploader.remote(base, e))).await),
            None => None,
        }
    };
    let (found, target, early) = tokio::join!(
        client.find_version(reg, &job.version),
        run::resolve(client, owner, project, &job.run),
        early
    );
    let existing = found?.is_some();
    let target = refuse_conflicts(job, existing, target, &entries)?;
    let mut remotes = vec![Remote::default(); entries.len()];
    if let Some(base) = target.stream_base(host, owner, project) {
        let same = guess.is_some_and(|g| g.tree_url("") == base.tree_url(""));
        let walked = match early {
            Some(listed) if same => listed,
            _ => join_all(entries.iter().map(|e| uploader.remote(&base, e))).await,
        };
        for (slot, walked) in remotes.iter_mut().zip(walked) {
            *slot = walked.map_err(failure(job))?;
        }
    }
    let may_replace = target.own || job.force;
    for (entry, remote) in entries.iter().zip(&remotes) {
        if let Some(c) = plan::conflict(entry, remote, may_replace) {
            return Err(conflict_refusal(&c).into());
        }
    }
    Ok(Prepared {
        entries,
        target,
        remotes,
        existing,
    })
}

/// An existing version, or a lineage name the run has elsewhere: exit 5 unless `--force`.
fn refuse_conflicts(
    job: &Job,
    existing: bool,
    target: Result<Target, Failure>,
    entries: &[LocalEntry],
) -> Result<Target> {
    let reg = &job.registry;
    if existing && !job.force {
        let shown = format!("{} version {}:{}", reg.kind, reg.project, job.version);
        return Err(
            CliError::new(Code::Conflict, format!("{shown} already exists"))
                .with_hint(hints::UPLOAD_VERSION_EXISTS)
                .into(),
        );
    }
    let target = target.map_err(failure(job))?;
    if let Some(r) = run::repointed(&target, entries).filter(|_| !job.force) {
        return Err(CliError::new(Code::Conflict, r.to_string())
            .with_hint(hints::UPLOAD_REPOINT)
            .into());
    }
    Ok(target)
}

/// Creates pxa's run when there is none yet. Also says whether the run existed before.
async fn take_run(ctx: &Context, job: &Job, target: Target) -> Result<(Target, StreamBase, bool)> {
    let client = ctx.client()?;
    let (owner, project) = (&job.registry.project.owner, &job.registry.project.name);
    let existed = target.uuid.is_some();
    let target = match (&target.uuid, &job.run) {
        (None, RunChoice::Own(new)) => run::create(client, owner, project, new)
            .await
            .map_err(failure(job))?,
        _ => target,
    };
    let base = target
        .stream_base(&client.config().host, owner, project)
        .expect("the run exists now");
    Ok((target, base, existed))
}

/// Removes the archives a failed attempt left at the root of a run that existed (names no
/// user file can have; best effort).
async fn clear_debris(ctx: &Context, base: &StreamBase, existed: bool) {
    let Ok(client) = ctx.client() else { return };
    if !existed {
        return;
    }
    let root = client.list_tree(&base.tree_url("")).await;
    for (name, _) in root.map(|l| l.files).unwrap_or_default() {
        if name.starts_with(ARCHIVE_PREFIX) {
            let _ = client.delete_artifact(base, &name).await;
        }
    }
}

/// Sends every entry (checked with the tree, and read back with `--verify`), with progress;
/// Ctrl-C or SIGTERM ends it with exit 130.
async fn transfer(
    ctx: &Context,
    job: &Job,
    target: &Target,
    base: &StreamBase,
    entries: &[LocalEntry],
    remotes: Vec<Remote>,
) -> Result<()> {
    let progress = Arc::new(Progress::new(job.transfer.progress, ctx.printer().clone()).sending());
    let up = uploader(ctx, job, progress.clone())?;
    let resend = job.force;
    let (files, bytes) = entries.iter().zip(&remotes).fold((0, 0), |(n, b), (e, r)| {
        let todo = plan::todo(e, r, resend);
        (
            n + todo.len() as u64,
            b + todo.iter().map(|s| e.files[s.index].size).sum::<u64>(),
        )
    });
    progress.planned(Planned {
        entries: entries.len() as u64,
        files: Some(files),
        bytes: Some(bytes),
    });
    let label = |e: &LocalEntry| format!("{}/{}", job.version, entry_label(e));
    let labels: Vec<String> = entries.iter().map(label).collect();
    let work = async {
        let sends = entries
            .iter()
            .zip(remotes)
            .zip(&labels)
            .map(|((e, r), l)| up.upload_entry(base, l, e, r, resend));
        let reports: Vec<EntryReport> = join_all(sends)
            .await
            .into_iter()
            .collect::<Result<_, Failure>>()?;
        if job.verify {
            for e in entries {
                up.verify_entry(base, e).await?;
            }
        }
        Ok::<_, Failure>(reports)
    };
    let reports = tokio::select! {
        done = work => done,
        signal = super::pull::interrupted() => {
            progress.abandon();
            return Err(CliError::new(Code::Interrupted, format!("interrupted by {signal}"))
                .with_hint(hints::UPLOAD_AGAIN)
                .into());
        }
    };
    let reports = reports.map_err(failure(job))?;
    let sent = reports.iter().map(|r| r.files_sent).sum();
    progress.upload_summary(reports.len(), sent);
    if job.transfer.progress != ProgressMode::None {
        note_run(ctx, target, &reports);
    }
    Ok(())
}

/// Sets pxa's own run's status (best effort, bounded: a failure here only warns).
pub(super) async fn mark(
    ctx: &Context,
    job: &Job,
    target: &Target,
    status: RunStatus,
    message: &str,
) {
    let (Some(_), true, Ok(client)) = (&target.uuid, target.own, ctx.client()) else {
        return;
    };
    let path = run_path(job, target);
    let sent = tokio::time::timeout(
        Duration::from_secs(10),
        client.set_run_status(&path, status, message),
    )
    .await;
    if !matches!(sent, Ok(Ok(()))) {
        ctx.printer().warn(&format!(
            "could not mark run {} {}",
            target.name,
            status.as_str()
        ));
    }
}

pub(super) fn run_path<'a>(job: &'a Job, target: &'a Target) -> RunPath<'a> {
    RunPath {
        owner: &job.registry.project.owner,
        project: &job.registry.project.name,
        uuid: target.uuid.as_deref().unwrap_or_default(),
    }
}

fn uploader(ctx: &Context, job: &Job, progress: Arc<dyn Reporter>) -> Result<Uploader> {
    let t = job.transfer;
    Ok(Uploader {
        client: ctx.client()?.clone(),
        progress,
        slots: Arc::new(Semaphore::new(t.jobs.max(1))),
        jobs: t.jobs.max(1),
        retries: t.retries,
        watch: Watch {
            stall: t.stall,
            answer: ctx.settings.timeout,
        },
    })
}

fn entry_label(e: &LocalEntry) -> String {
    e.spec.name.clone().unwrap_or_else(|| e.spec.dest.clone())
}

/// A failed step as an error line, its hint chosen by the code and by whether the user named
/// the run (`--run-uid`) or pxa chose its own.
fn failure(job: &Job) -> impl Fn(Failure) -> anyhow::Error + '_ {
    |f: Failure| {
        let run_given = matches!(job.run, RunChoice::Given(_));
        CliError::new(f.code, f.message)
            .with_hint(hints::upload(f.code, run_given))
            .into()
    }
}

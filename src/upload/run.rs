//! The run that holds an upload. Given (`--run-uid`): it must exist in the project, and its
//! lineage must not already name an entry at another path or of another kind (re-pointing a
//! name changes what every version linked to it pulls). Not given: pxa's own run, named after
//! the version; an unfinished one left by an earlier attempt (tagged [`TAG`], not succeeded)
//! is taken again, so a re-run finds the files that arrived.

use crate::api::models::{Resource, Run, RunArtifact, RunSettings};
use crate::api::runs::{NewArtifact, NewRun, RunPath, lineage_path};
use crate::api::{ApiError, Client, StreamBase};
use crate::exit::Code;

use super::Failure;
use super::local::LocalEntry;

/// The tag on every run pxa creates for an upload.
pub const TAG: &str = "pxa-upload";

/// Which run the files go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunChoice {
    /// An existing run (its uuid).
    Given(String),
    /// pxa's own run of this name, created unless an unfinished one is found.
    Own(NewRun),
}

/// The run as found before anything is written.
#[derive(Debug, Clone)]
pub struct Target {
    /// `None`: the run does not exist yet (it is created right before the first upload).
    pub uuid: Option<String>,
    pub name: String,
    /// pxa's own run: its files may be replaced, its status is set.
    pub own: bool,
    pub settings: RunSettings,
    pub lineage: Vec<RunArtifact>,
    /// Whether the run finished earlier (a reused run that had failed).
    pub status: Option<String>,
}

impl Target {
    pub fn stream_base(&self, host: &url::Url, owner: &str, project: &str) -> Option<StreamBase> {
        let uuid = self.uuid.as_deref()?;
        Some(StreamBase::new(host, owner, project, uuid, &self.settings))
    }
}

/// Finds the run: the given one (exit 3 when it is not in the project), or pxa's own.
pub async fn resolve(
    client: &Client,
    owner: &str,
    project: &str,
    choice: &RunChoice,
) -> Result<Target, Failure> {
    let api = |e: ApiError| Failure::from_api(&e);
    let (run, lineage, own) = match choice {
        RunChoice::Given(uuid) => {
            let (run, lineage) = given(client, owner, project, uuid).await?;
            (Some(run), Some(lineage), false)
        }
        RunChoice::Own(new) => {
            let found = client
                .find_runs(owner, project, &new.name)
                .await
                .map_err(api)?;
            (found.into_iter().find(unfinished), None, true)
        }
    };
    let Some(run) = run else {
        let name = match choice {
            RunChoice::Own(new) => new.name.clone(),
            RunChoice::Given(uuid) => uuid.clone(),
        };
        return Ok(Target {
            uuid: None,
            name,
            own,
            settings: RunSettings::default(),
            lineage: Vec::new(),
            status: None,
        });
    };
    let uuid = run.uuid.clone().unwrap_or_default();
    let lineage = match lineage {
        Some(listed) => listed,
        None => {
            let path = RunPath {
                owner,
                project,
                uuid: &uuid,
            };
            client.run_lineage(&path).await.map_err(api)?
        }
    };
    Ok(Target {
        uuid: Some(uuid),
        name: run.name.clone().unwrap_or_default(),
        own,
        settings: run.item.settings.clone().unwrap_or_default(),
        lineage,
        status: run.item.status.clone(),
    })
}

/// A given run and its lineage, read at once.
async fn given(
    client: &Client,
    owner: &str,
    project: &str,
    uuid: &str,
) -> Result<(Resource<Run>, Vec<RunArtifact>), Failure> {
    let path = RunPath {
        owner,
        project,
        uuid,
    };
    let (run, lineage) = tokio::join!(
        client.get_run(owner, project, uuid),
        client.run_lineage(&path)
    );
    match run {
        Err(e) if e.is_not_found() => Err(Failure::new(
            Code::NotFound,
            format!("run {uuid} does not exist in {owner}/{project}"),
        )),
        run => {
            let run = run.map_err(|e| Failure::from_api(&e))?;
            Ok((run, lineage.map_err(|e| Failure::from_api(&e))?))
        }
    }
}

/// A run pxa created for an upload that did not finish.
fn unfinished(run: &Resource<Run>) -> bool {
    let tagged = run
        .tags
        .as_ref()
        .is_some_and(|t| t.iter().any(|t| t == TAG));
    tagged && run.status.as_deref() != Some("succeeded")
}

/// A lineage name the run already has, for another path or kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "run {run} already has a lineage entry `{name}` at `{path}` ({kind}); this upload would re-point it to `{new_path}` ({new_kind}), which changes every version linked to it"
)]
pub struct Repointed {
    pub run: String,
    pub name: String,
    pub path: String,
    pub kind: String,
    pub new_path: String,
    pub new_kind: String,
}

/// The first entry whose name the run's lineage holds at another path or of another kind.
pub fn repointed(target: &Target, entries: &[LocalEntry]) -> Option<Repointed> {
    let uuid = target.uuid.as_deref().unwrap_or_default();
    entries.iter().find_map(|e| {
        let name = e.spec.name.as_deref()?;
        let old = target
            .lineage
            .iter()
            .find(|a| a.name.as_deref() == Some(name))?;
        let old_path = old.path.as_deref().unwrap_or_default();
        let rel = old_path
            .strip_prefix(&format!("{uuid}/"))
            .unwrap_or(old_path);
        let old_kind = old.kind.as_deref().unwrap_or_default();
        (rel != e.spec.dest || old_kind != e.spec.kind).then(|| Repointed {
            run: target.name.clone(),
            name: name.to_string(),
            path: rel.to_string(),
            kind: old_kind.to_string(),
            new_path: e.spec.dest.clone(),
            new_kind: e.spec.kind.clone(),
        })
    })
}

/// The lineage entries to record for `entries` in run `uuid`.
pub fn records(uuid: &str, entries: &[LocalEntry]) -> Vec<NewArtifact> {
    entries
        .iter()
        .filter_map(|e| {
            Some(NewArtifact {
                name: e.spec.name.clone()?,
                kind: e.spec.kind.clone(),
                path: lineage_path(uuid, &e.spec.dest),
                summary: e.spec.summary.clone(),
                is_input: e.spec.is_input,
            })
        })
        .collect()
}

/// Creates pxa's own run.
pub async fn create(
    client: &Client,
    owner: &str,
    project: &str,
    new: &NewRun,
) -> Result<Target, Failure> {
    let api = |e: ApiError| Failure::from_api(&e);
    let created = client.create_run(owner, project, new).await.map_err(api)?;
    let uuid = created.uuid.clone().ok_or_else(|| {
        Failure::new(Code::Failure, "the server created the run but sent no uuid")
    })?;
    // The create answer leaves `settings` out; where its files are served from is in the run.
    let run = client.get_run(owner, project, &uuid).await.map_err(api)?;
    Ok(Target {
        uuid: Some(uuid),
        name: new.name.clone(),
        own: true,
        settings: run.item.settings.clone().unwrap_or_default(),
        lineage: Vec::new(),
        status: run.item.status.clone(),
    })
}

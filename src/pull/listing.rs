//! What the server says a version holds, as a pull sees it: the version read, its lineage
//! entries (the official kinds table and skip rule, `--artifact`), each entry listed and
//! planned from the tree, and where its run's streams are. A pull (through
//! [`mod@super::prepare`]), `pull --dry-run`, `files` and `diff` all start here; nothing is
//! downloaded.

use futures_util::stream::{self, StreamExt, TryStreamExt};

use super::download::{Failure, Missing};
use super::fail;
use super::plan::{self, Entry, StreamBase};
use super::resolve::{EntryPlan, resolve};
use super::verify::Streams;
use crate::api::models::RunArtifact;
use crate::api::{Client, Kind, ProjectVersion, Registry, Resource};
use crate::exit::Code;
use crate::progress::Reporter;

/// Entries listed at once (each walk also keeps 8 listings in flight).
const ENTRIES_AT_ONCE: usize = 4;

/// Which entries to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection<'a> {
    /// None: the version's metadata only.
    pub no_artifacts: bool,
    /// Only these lineage entries (all when empty).
    pub names: &'a [String],
    /// A name the lineage lacks is an error (else a note: a bulk pull).
    pub strict: bool,
}

/// What a previous copy says before anything is read (`pull --skip-existing`).
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// Where its run served its files: trusted (one request less), asked again when it no
    /// longer answers.
    pub streams: Option<Streams>,
    /// The entries it had there: listed while the version is read, the listing kept when the
    /// version's lineage plans the same entries at the same place.
    pub entries: Option<(Vec<Entry>, StreamBase)>,
}

/// A version as the server holds it, its entries listed.
pub struct Listed {
    pub version: Resource<ProjectVersion>,
    /// Every lineage entry to consider, skipped ones included, in lineage order.
    pub entries: Vec<EntryPlan>,
    /// Where the run's streams are (none when nothing is to be listed).
    pub base: Option<StreamBase>,
}

/// Reads the version `name` and lists its entries (with what a previous copy says).
pub async fn list_version(
    client: &Client,
    notes: &dyn Reporter,
    reg: &Registry,
    name: &str,
    sel: Selection<'_>,
    previous: &Previous,
) -> Result<Listed, Failure> {
    let early = async {
        let (entries, base) = previous.entries.as_ref()?;
        Some(list_all(client, &Some(base.clone()), entries.clone()).await)
    };
    let (version, early) = tokio::join!(client.get_version(reg, name), early);
    let version = version.map_err(|e| Failure::from_api(e).missing(Missing::Version))?;
    let read = Read {
        client,
        notes,
        reg,
        version: &version,
        sel,
    };
    let cached = previous.streams.as_ref();
    let (entries, base) = read.lineage_entries(cached).await?;
    let from_cache = base
        .as_ref()
        .zip(cached)
        .is_some_and(|(b, s)| streams_record(b) == *s);
    let early = early.filter(|_| same_plan(previous, &entries, &base));
    let listed = match early {
        Some(Ok(listed)) => Ok(listed),
        _ => list_all(client, &base, entries.clone()).await,
    };
    let (entries, base) = match listed {
        Err(_) if from_cache => {
            let (entries, base) = read.lineage_entries(None).await?;
            (list_all(client, &base, entries).await?, base)
        }
        listed => (listed?, base),
    };
    Ok(Listed {
        version,
        entries,
        base,
    })
}

/// Whether the previous copy's entries are the version's: the same entries fetched the same
/// way from the same streams.
fn same_plan(previous: &Previous, entries: &[Entry], base: &Option<StreamBase>) -> bool {
    let alike = |x: &Entry, y: &Entry| {
        x.name == y.name
            && x.rel == y.rel
            && x.fetch == y.fetch
            && x.url == y.url
            && x.skip == y.skip
    };
    let same =
        |a: &[Entry]| a.len() == entries.len() && a.iter().zip(entries).all(|(x, y)| alike(x, y));
    let guessed = previous.entries.as_ref().zip(base.as_ref());
    guessed.is_some_and(|((e, b), base)| same(e) && b.tree_url("") == base.tree_url(""))
}

/// Lists and plans every entry (none when nothing is downloaded).
async fn list_all(
    client: &Client,
    base: &Option<StreamBase>,
    entries: Vec<Entry>,
) -> Result<Vec<EntryPlan>, Failure> {
    let Some(base) = base else {
        return Ok(Vec::new());
    };
    stream::iter(entries)
        .map(|e| resolve(client, base, e))
        .buffered(ENTRIES_AT_ONCE)
        .try_collect()
        .await
}

/// A stream base as the manifest records it.
pub fn streams_record(b: &StreamBase) -> Streams {
    Streams {
        base: b.base.to_string(),
        namespace: b.namespace.clone(),
        owner: b.owner.clone(),
        project: b.project.clone(),
        uuid: b.uuid.clone(),
        connection: b.connection.clone(),
    }
}

/// The recorded stream base, when it is the run named by (owner, project, uuid).
fn from_record(s: &Streams, owner: &str, project: &str, uuid: &str) -> Option<StreamBase> {
    if (s.owner.as_str(), s.project.as_str(), s.uuid.as_str()) != (owner, project, uuid) {
        return None;
    }
    Some(StreamBase {
        base: url::Url::parse(&s.base).ok()?,
        namespace: s.namespace.clone(),
        owner: s.owner.clone(),
        project: s.project.clone(),
        uuid: s.uuid.clone(),
        connection: s.connection.clone(),
    })
}

impl Previous {
    /// What a previous copy says: where its run served its files (`streams`, from its
    /// manifest) and, when `old` (its `version.plx.json`) names a run there, the entries to
    /// list while the version is read. No entries with `--artifact`, whose selection the
    /// version read decides.
    pub fn of_copy(
        reg: &Registry,
        sel: Selection<'_>,
        streams: Option<Streams>,
        old: Option<&ProjectVersion>,
    ) -> Self {
        let entries = streams.as_ref().zip(old).and_then(|(s, old)| {
            if sel.no_artifacts || reg.kind == Kind::Component || !sel.names.is_empty() {
                return None;
            }
            let (lineage, run) = run_of(old, reg);
            let (run_project, uuid) = run?;
            let base = from_record(s, &reg.project.owner, &run_project, &uuid)?;
            Some((plan::entries(&lineage, &base).ok()?, base))
        });
        Self { streams, entries }
    }
}

/// A version's lineage, and the project and uuid of its run when it has both a run and
/// lineage entries (the run's project defaults to the registry's).
fn run_of(
    version: &ProjectVersion,
    reg: &Registry,
) -> (Vec<RunArtifact>, Option<(String, String)>) {
    let meta = version.meta_info.clone().unwrap_or_default();
    let lineage = meta.lineage.unwrap_or_default();
    let run = meta.run.filter(|_| !lineage.is_empty());
    let uuid = run
        .as_ref()
        .and_then(|r| r.uuid.clone())
        .or_else(|| version.run.clone());
    let run = run.zip(uuid).map(|(run, uuid)| {
        let project = run.project.unwrap_or_else(|| reg.project.name.clone());
        (project, uuid)
    });
    (lineage, run)
}

/// What the entries are read from.
struct Read<'a> {
    client: &'a Client,
    notes: &'a dyn Reporter,
    reg: &'a Registry,
    version: &'a Resource<ProjectVersion>,
    sel: Selection<'a>,
}

impl Read<'_> {
    /// The entries of the version's lineage (none for metadata-only pulls and components),
    /// and where its run's streams are.
    async fn lineage_entries(
        &self,
        cached: Option<&Streams>,
    ) -> Result<(Vec<Entry>, Option<StreamBase>), Failure> {
        let (reg, version) = (self.reg, self.version);
        if self.sel.no_artifacts || reg.kind == Kind::Component {
            return Ok((Vec::new(), None));
        }
        let (lineage, run) = run_of(version, reg);
        let Some((run_project, uuid)) = run else {
            return Ok((self.select(Vec::new(), &lineage)?, None));
        };
        let owner = &reg.project.owner;
        let recorded = cached.and_then(|s| from_record(s, owner, &run_project, &uuid));
        let base = match recorded {
            Some(base) => base,
            None => {
                let run = self
                    .client
                    .get_run(owner, &run_project, &uuid)
                    .await
                    .map_err(|e| Failure::from_api(e).missing(Missing::Run))?;
                let settings = run.item.settings.clone().unwrap_or_default();
                let host = &self.client.config().host;
                StreamBase::new(host, owner, &run_project, &uuid, &settings)
            }
        };
        let entries = plan::entries(&lineage, &base).map_err(|m| fail(Code::Integrity, m))?;
        Ok((self.select(entries, &lineage)?, Some(base)))
    }

    /// Applies `--artifact`: a name the lineage lacks is an error for a single version, a
    /// note in a bulk pull. Only selected entries can then cause a skip.
    fn select(
        &self,
        mut entries: Vec<Entry>,
        lineage: &[RunArtifact],
    ) -> Result<Vec<Entry>, Failure> {
        let wanted = self.sel.names;
        if wanted.is_empty() {
            return Ok(entries);
        }
        let known: Vec<&str> = lineage.iter().filter_map(|a| a.name.as_deref()).collect();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|s| !known.contains(&s.as_str()))
            .map(|m| format!("`{m}`"))
            .collect();
        if !missing.is_empty() {
            let has = match known.is_empty() {
                true => "none".to_string(),
                false => known.join(", "),
            };
            let text = format!(
                "no lineage entry named {} (it has: {has})",
                missing.join(", ")
            );
            if self.sel.strict {
                return Err(fail(Code::NotFound, text).missing(Missing::Entry));
            }
            let version = &self.version.name;
            self.notes.note(&format!("warning: {version}: {text}"));
        }
        entries.retain(|e| wanted.contains(&e.name));
        for e in entries.iter_mut() {
            e.skip = None;
        }
        plan::apply_skip_rule(&mut entries);
        Ok(entries)
    }
}

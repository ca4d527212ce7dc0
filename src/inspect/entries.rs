//! A listed version turned into its entries with their files, every lineage entry accounted
//! for: listed, or said why not (an event package, the official skip rule, a kind the
//! official client does not download, no run to fetch from).

use super::{EntryFiles, EntrySummary, VersionFiles};
use crate::api::models::RunArtifact;
use crate::pull::listing::Listed;
use crate::pull::plan::{classify, relativize};
use crate::pull::resolve::EntryPlan;

/// Why an event package is not listed.
pub const EVENTS: &str =
    "an event package: a pull fetches it as one archive, whose files no listing gives";

/// The entries of `listed`, in lineage order (only those in `select` when given).
pub fn version_files(listed: Listed, select: &[String]) -> VersionFiles {
    let meta = listed.version.meta_info.clone().unwrap_or_default();
    let lineage = meta.lineage.unwrap_or_default();
    let run = listed.base.as_ref().map(|b| b.uuid.clone());
    let run = run.or_else(|| meta.run.and_then(|r| r.uuid));
    let mut plans: Vec<Option<EntryPlan>> = vec![None; lineage.len()];
    for plan in listed.entries {
        if let Some(slot) = plans.get_mut(plan.entry.index) {
            *slot = Some(plan);
        }
    }
    let entries = lineage
        .iter()
        .zip(plans)
        .filter(|(a, _)| select.is_empty() || select.contains(&name(a)))
        .map(|(a, plan)| match plan {
            Some(plan) => planned(&plan),
            None => not_planned(a, run.as_deref()),
        })
        .collect();
    VersionFiles {
        version: listed.version,
        base: listed.base,
        entries,
    }
}

fn name(a: &RunArtifact) -> String {
    a.name.clone().unwrap_or_default()
}

/// An entry the pull would consider: its files, or why it has none listed.
fn planned(plan: &EntryPlan) -> EntryFiles {
    let e = &plan.entry;
    let why = match (&e.skip, plan.events) {
        (Some(skip), _) => Some(format!("not pulled: {skip}")),
        (None, true) => Some(EVENTS.to_string()),
        (None, false) => None,
    };
    let files = match why {
        Some(_) => Vec::new(),
        None => plan.listed_files(),
    };
    EntryFiles {
        summary: EntrySummary {
            entry: e.name.clone(),
            kind: e.kind.clone(),
            path: e.rel.clone(),
            listed: why.is_none(),
            files: files.len() as u64,
            bytes: files.iter().map(|(_, size)| size).sum(),
            why,
            broken: plan.broken.clone(),
        },
        files,
    }
}

/// A lineage entry the pull leaves out: a kind the official client does not download, or no
/// run to fetch it from.
fn not_planned(a: &RunArtifact, run: Option<&str>) -> EntryFiles {
    let kind = a.kind.clone().unwrap_or_default();
    let raw = a.path.clone().unwrap_or_default();
    let path = run.and_then(|r| relativize(&raw, r)).unwrap_or(raw);
    let why = match classify(&kind, a.summary.as_ref()) {
        None => format!("not pulled: the official client downloads no `{kind}` entry"),
        Some(_) => "not listed: the version names no run to fetch it from".to_string(),
    };
    EntryFiles {
        summary: EntrySummary {
            entry: name(a),
            kind,
            path,
            listed: false,
            files: 0,
            bytes: 0,
            why: Some(why),
            broken: Vec::new(),
        },
        files: Vec::new(),
    }
}

//! Commands over several versions (`get`, `delete`, `stage` with several targets): every
//! target resolved, each distinct version handled once, a few at a time, and one error at the
//! end naming those that failed: exit 10 when others succeeded, as a bulk pull does.

use std::future::Future;

use anyhow::Result;
use futures_util::stream::{self, StreamExt};

use super::VersionTarget;
use crate::api::{ProjectVersion, Resource};
use crate::commands::{Context, not_found_hint};
use crate::exit::{CliError, Code, classify};
use crate::reference::ProjectRef;

/// Versions handled at a time (each is a request or two).
pub const PARALLEL: usize = 4;

/// One distinct version of the batch, with the place of its first target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub index: usize,
    pub project: ProjectRef,
    pub name: String,
}

impl Item {
    /// `owner/project:name`.
    pub fn shown(&self) -> String {
        format!("{}:{}", self.project, self.name)
    }
}

/// The versions of a command with several targets, and what failed so far.
pub struct Batch {
    failed: Vec<(usize, String, anyhow::Error)>,
    total: usize,
}

impl Batch {
    /// Resolves every target (`@STAGE` on the server): the distinct versions in the targets'
    /// order, and a batch that remembers the targets that could not be resolved.
    pub async fn resolve(ctx: &Context, targets: &[VersionTarget]) -> (Self, Vec<Item>) {
        let names: Vec<Result<String>> = stream::iter(targets)
            .map(|t| ctx.resolve_target(t))
            .buffered(PARALLEL)
            .collect()
            .await;
        let (mut items, mut failed) = (Vec::<Item>::new(), Vec::new());
        for (index, (target, name)) in targets.iter().zip(names).enumerate() {
            match name {
                Ok(name) => {
                    let seen = items
                        .iter()
                        .any(|i| i.project == target.project && i.name == name);
                    if !seen {
                        let project = target.project.clone();
                        items.push(Item {
                            index,
                            project,
                            name,
                        });
                    }
                }
                Err(e) => failed.push((index, target.to_string(), e)),
            }
        }
        let total = items.len() + failed.len();
        (Self { failed, total }, items)
    }

    /// Runs `f` on every item, `jobs` at a time: the items it succeeded on with what it
    /// returned, in order; the others are kept as failed.
    pub async fn each<T, F, Fut>(&mut self, items: Vec<Item>, jobs: usize, f: F) -> Vec<(Item, T)>
    where
        F: Fn(Item) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let results: Vec<Result<T>> = stream::iter(items.clone())
            .map(f)
            .buffered(jobs.max(1))
            .collect()
            .await;
        let mut kept = Vec::new();
        for (item, result) in items.into_iter().zip(results) {
            match result {
                Ok(value) => kept.push((item, value)),
                Err(e) => self.failed.push((item.index, item.shown(), e)),
            }
        }
        kept
    }

    /// Reads every item's version, [`PARALLEL`] at a time (a 404 gets the `latest` hint).
    pub async fn read(
        &mut self,
        ctx: &Context,
        items: Vec<Item>,
    ) -> Result<Vec<(Item, Resource<ProjectVersion>)>> {
        let client = ctx.client()?;
        Ok(self
            .each(items, PARALLEL, |item| async move {
                let registry = ctx.registry(item.project.clone());
                client
                    .get_version(&registry, &item.name)
                    .await
                    .map_err(|e| not_found_hint(e, &item.name, ctx))
            })
            .await)
    }

    /// What failed so far, in the targets' order: (target, error).
    pub fn into_failures(mut self) -> Vec<(String, anyhow::Error)> {
        self.failed.sort_by_key(|(index, _, _)| *index);
        self.failed.into_iter().map(|(_, t, e)| (t, e)).collect()
    }

    /// Ok when nothing failed. Otherwise one error naming each failure: exit 10 when others
    /// succeeded, else the first failure's code (its own error when there was one version).
    pub fn outcome(mut self) -> Result<()> {
        self.failed.sort_by_key(|(index, _, _)| *index);
        let mut failed = self.failed.into_iter();
        let Some((_, first_target, first)) = failed.next() else {
            return Ok(());
        };
        if self.total == 1 {
            return Err(first);
        }
        let first = classify(&first);
        let mut list = vec![format!("{first_target}: {}", first.message)];
        list.extend(failed.map(|(_, t, e)| format!("{t}: {}", classify(&e).message)));
        let code = if list.len() < self.total {
            Code::Partial
        } else {
            first.code
        };
        let message = format!(
            "{} of {} versions failed: {}",
            list.len(),
            self.total,
            list.join("; ")
        );
        let hint = first.hint.unwrap_or_else(|| {
            "the other versions were done; run again with the failed ones".into()
        });
        Err(CliError::new(code, message).with_hint(hint).into())
    }
}

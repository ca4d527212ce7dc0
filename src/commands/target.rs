//! Version targets: what TARGET, `-p` and `--version` name (one version, several, or `-` for a
//! list on stdin), all checked before any request, and the resolution of `PROJECT@STAGE` to
//! the version that most recently entered the stage (the rule is in `choose`).

pub mod batch;
mod choose;

use std::fmt;
use std::io::Read;

use anyhow::Result;
use futures_util::stream::{self, StreamExt};

use super::{Context, DEFAULT_VERSION, hints};
use crate::api::models::Stage;
use crate::api::{Client, ListParams, Registry};
use crate::cli::{TargetsArgs, VersionArgs};
use crate::exit::{CliError, Code};
use crate::reference::{ProjectRef, Target, Which};

/// Stage reads in flight while resolving one `@STAGE` (one per version in the stage).
const STAGE_READS: usize = 8;

/// A checked target: the project, and the version's name or a stage selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTarget {
    pub project: ProjectRef,
    pub which: Which,
}

impl fmt::Display for VersionTarget {
    /// `owner/project:name` or `owner/project@stage`, as messages name a target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.which {
            Which::Name(name) => write!(f, "{}:{name}", self.project),
            Which::Stage(stage) => write!(f, "{}@{stage}", self.project),
        }
    }
}

impl Context {
    /// The target of a one-version command, checked; no request is sent.
    pub fn target(&self, args: &VersionArgs) -> Result<VersionTarget, CliError> {
        let target = args.target.as_deref().map(Target::parse).transpose()?;
        self.complete(target, args.project.as_deref(), args.version.as_deref())
    }

    /// The project and version name of a one-version command, `@STAGE` resolved on the server.
    pub async fn resolve(&self, args: &VersionArgs) -> Result<(ProjectRef, String)> {
        let target = self.target(args)?;
        let name = self.resolve_target(&target).await?;
        Ok((target.project, name))
    }

    /// The version name a checked target stands for: its own, or the one `@STAGE` picks.
    pub async fn resolve_target(&self, target: &VersionTarget) -> Result<String> {
        match &target.which {
            Which::Name(name) => Ok(name.clone()),
            Which::Stage(stage) => self.resolve_stage(target, *stage).await,
        }
    }

    /// The targets of a command that takes several (TARGET…, `-` for stdin), every one checked
    /// before any request; a target given twice is kept once, in its first place.
    pub fn targets(&self, args: &TargetsArgs) -> Result<Vec<VersionTarget>, CliError> {
        let (project, version) = (args.project.as_deref(), args.version.as_deref());
        if !several(args) {
            let target = args.targets.first().map(|t| Target::parse(t)).transpose()?;
            return Ok(vec![self.complete(target, project, version)?]);
        }
        if version.is_some() {
            return Err(
                CliError::usage("--version cannot be used with several targets (or `-`)")
                    .with_hint("name each version in its target: `-p PROJECT v1 v2`, or `PROJECT:v1 PROJECT:v2`"),
            );
        }
        let mut out: Vec<VersionTarget> = Vec::new();
        for (text, line) in expand_stdin(&args.targets)? {
            let at = |e: CliError| match line {
                Some(n) => CliError {
                    message: format!("stdin line {n}: {}", e.message),
                    ..e
                },
                None => e,
            };
            let target = Target::parse(&text).map_err(at)?;
            let target = self.complete(Some(target), project, None).map_err(at)?;
            if !out.contains(&target) {
                out.push(target);
            }
        }
        Ok(out)
    }

    /// A target completed with `-p` (or the cached project) and `--version` (or `latest`).
    fn complete(
        &self,
        target: Option<Target>,
        project_flag: Option<&str>,
        version_flag: Option<&str>,
    ) -> Result<VersionTarget, CliError> {
        let (from_target, positional) = match target {
            Some(t) => (t.project, Some(t.which)),
            None => (None, None),
        };
        let which = match (positional, version_flag) {
            (Some(_), Some(_)) => {
                return Err(CliError::usage(
                    "the version is given twice (positional and --version)",
                )
                .with_hint(
                    "keep one: `pxa get PROJECT:VERSION` or `pxa get -p PROJECT --version VERSION`",
                ));
            }
            (Some(w), None) => w,
            (None, Some(v)) => Which::parse(v)?,
            (None, None) => Which::Name(DEFAULT_VERSION.to_string()),
        };
        let project = match (from_target, project_flag) {
            (Some(_), Some(_)) => {
                return Err(
                    CliError::usage("the project is given twice (in TARGET and with -p)")
                        .with_hint("keep one of them"),
                );
            }
            (Some(p), None) => p,
            (None, flag) => self.project(flag)?,
        };
        Ok(VersionTarget { project, which })
    }

    /// Of the versions in `stage` (listed with `query=stage: S`, every page), the one whose
    /// stage history says it entered last (one stages read per version, a few at a time).
    async fn resolve_stage(&self, target: &VersionTarget, stage: Stage) -> Result<String> {
        let registry = self.registry(target.project.clone());
        let client = self.client()?;
        let candidates = candidates(client, &registry, stage).await?;
        let Some(chosen) = choose::newest(&candidates) else {
            return Err(CliError::new(
                Code::NotFound,
                format!(
                    "no {} version of {} is in stage {stage}",
                    self.kind, target.project
                ),
            )
            .with_hint(hints::empty_stage(self.kind, &target.project, stage))
            .into());
        };
        if self.settings.verbose {
            let line = choose::explain(&target.to_string(), chosen, candidates.len(), stage);
            self.printer().debug(format_args!("{line}"));
        }
        Ok(chosen.name.clone())
    }
}

/// The versions in `stage` (listed with `query=stage: S`, every page), each with its stage
/// history read (a few at a time); a version deleted or moved meanwhile is left out.
async fn candidates(
    client: &Client,
    registry: &Registry,
    stage: Stage,
) -> Result<Vec<choose::Candidate>> {
    let params = ListParams {
        query: Some(format!("stage: {stage}")),
        ..ListParams::default()
    };
    let (listed, _) = client.list_versions_all(registry, &params, None).await?;
    let reads: Vec<_> = stream::iter(listed)
        .map(|v| async move {
            let stages = client.get_stages(registry, &v.item.name).await;
            (v, stages)
        })
        .buffered(STAGE_READS)
        .collect()
        .await;
    let mut out = Vec::new();
    for (version, stages) in reads {
        match stages {
            Ok(s) => out.extend(choose::candidate(&version, &s, stage)),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// Whether the command line names several versions (more than one TARGET, or `-`): the
/// commands then answer with a list, whatever number of versions it comes to.
pub fn several(args: &TargetsArgs) -> bool {
    args.targets.len() > 1 || args.targets.iter().any(|t| t == "-")
}

/// The targets with `-` replaced by the lines of stdin (each with its line number).
fn expand_stdin(targets: &[String]) -> Result<Vec<(String, Option<usize>)>, CliError> {
    if targets.iter().filter(|t| *t == "-").count() > 1 {
        return Err(
            CliError::usage("`-` is given twice: stdin can be read once")
                .with_hint("pass `-` once; the other targets can come before or after it"),
        );
    }
    let mut out = Vec::new();
    for t in targets {
        if t != "-" {
            out.push((t.clone(), None));
            continue;
        }
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            CliError::usage(format!("cannot read the targets from stdin: {e}"))
                .with_hint("pipe version names or targets in, one a line")
        })?;
        let lines = target_lines(&text);
        if lines.is_empty() {
            return Err(CliError::usage("`-` was given but stdin holds no target")
                .with_hint("pipe targets in, one a line, e.g. `pxa ls -p demo -o name | pxa pull -p demo -`"));
        }
        out.extend(lines.into_iter().map(|(n, l)| (l.to_string(), Some(n))));
    }
    Ok(out)
}

/// The targets in text from stdin: one a line, trimmed, blank lines skipped (line numbers
/// from 1).
fn target_lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_lines_are_trimmed_and_blank_ones_skipped() {
        let text = "v1\n\n  demo:v2 \r\n\t\n@production\n";
        assert_eq!(
            target_lines(text),
            [(1, "v1"), (3, "demo:v2"), (5, "@production")]
        );
        assert!(target_lines(" \n\n").is_empty());
        assert!(target_lines("").is_empty());
    }

    #[test]
    fn a_target_names_its_project_and_version_or_stage() {
        let project = ProjectRef::parse("acme/demo").unwrap();
        let name = VersionTarget {
            project: project.clone(),
            which: Which::Name("v1".into()),
        };
        assert_eq!(name.to_string(), "acme/demo:v1");
        let stage = VersionTarget {
            project,
            which: Which::Stage(Stage::Production),
        };
        assert_eq!(stage.to_string(), "acme/demo@production");
    }
}

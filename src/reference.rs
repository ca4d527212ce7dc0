//! Project and version references: parsing and validation before any request is sent.

use std::fmt;

use crate::api::models::Stage;
use crate::exit::CliError;

/// The owner the official CLI uses in Polyaxon CE when `-p` names only a project.
pub const DEFAULT_OWNER: &str = "default";

/// Longest version name the server accepts.
pub const MAX_VERSION_LEN: usize = 128;

/// `owner/project` as used in API paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRef {
    pub owner: String,
    pub name: String,
}

impl fmt::Display for ProjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl ProjectRef {
    /// Parses `project`, `owner/project`, `owner.project` or `owner/team/project`
    /// (the team only matters for UI links, so it is dropped), as the official CLI does.
    pub fn parse(input: &str) -> Result<Self, CliError> {
        let bad = |why: &str| {
            CliError::usage(format!("invalid project `{input}`: {why}"))
                .with_hint("pass -p PROJECT or -p OWNER/PROJECT (letters, digits, `-` and `_`)")
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(bad("it is empty"));
        }
        if trimmed.contains('@') {
            return Err(bad("a project cannot contain `@`").with_hint(
                "name the version in a stage as the target: `pxa get PROJECT@STAGE`, or \
                 `-p PROJECT @STAGE`",
            ));
        }
        if trimmed.contains(':') {
            return Err(
                bad("a project cannot contain `:`; give the version with --version").with_hint(
                    "use `pxa get OWNER/PROJECT:VERSION` or `-p OWNER/PROJECT --version VERSION`",
                ),
            );
        }
        let normalized = trimmed.replace('.', "/");
        let parts: Vec<&str> = normalized.split('/').collect();
        let (owner, name) = match parts.as_slice() {
            [name] => (DEFAULT_OWNER, *name),
            [owner, name] => (*owner, *name),
            [owner, team, name] if is_slug(team) => (*owner, *name),
            [_, _, _] => return Err(bad("the team part is empty or invalid")),
            _ => return Err(bad("expected at most OWNER/TEAM/PROJECT")),
        };
        for (what, value) in [("owner", owner), ("project name", name)] {
            if !is_slug(value) {
                return Err(bad(&format!(
                    "the {what} `{value}` must be letters, digits, `-` or `_`"
                )));
            }
        }
        Ok(Self {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }
}

fn is_slug(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_VERSION_LEN
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// The name the server's routes give to the list of names (`GET …/versions/{kind}/names`): a
/// version of that name can be created but never read, changed or deleted.
const NAMES_ROUTE: &str = "names";

/// Checks a version name against the server's rule (1-128 ASCII letters, digits, `_`, `-` or
/// `.`) and refuses the names it accepts but cannot serve back (measured on the CE sandbox,
/// `tests/it/e2e/names.rs`): `.` followed only by lowercase letters and digits (`.hid`: GET,
/// PATCH and DELETE answer 404, while `.A`, `..a` or `...` work), `.` and `..` (dot segments
/// of the URL) and `names` (the route that lists the names).
pub fn validate_version(name: &str) -> Result<(), CliError> {
    let hint = "version names are 1-128 ASCII letters, digits, `_`, `-` or `.`; the server cannot \
                serve back `names`, `.`, `..`, or `.` followed by lowercase letters and digits only";
    let invalid = |why: &str| {
        CliError::usage(format!("invalid version name `{name}`: {why}")).with_hint(hint)
    };
    if name.is_empty() {
        return Err(CliError::usage("the version name is empty").with_hint(hint));
    }
    if name.chars().count() > MAX_VERSION_LEN {
        return Err(CliError::usage(format!(
            "the version name is {} characters long; the server allows at most {MAX_VERSION_LEN}",
            name.chars().count()
        ))
        .with_hint(hint));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(invalid(&format!("the character {c:?} is not allowed")));
    }
    let suffix_like = name.strip_prefix('.').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if suffix_like {
        return Err(invalid(
            "the server answers 404 for `.` followed by lowercase letters and digits only",
        ));
    }
    if name == "." || name == ".." {
        return Err(invalid("`.` and `..` are not names in a URL"));
    }
    if name == NAMES_ROUTE {
        return Err(invalid(
            "the server lists the names at that address, so such a version cannot be read back",
        ));
    }
    Ok(())
}

/// A run's uuid as the API names it: 32 lowercase hex digits. Dashes (the usual printed form)
/// and upper case are accepted and normalized; anything else is refused before a request.
pub fn parse_run_uuid(input: &str) -> Result<String, CliError> {
    let hex: String = input.trim().chars().filter(|c| *c != '-').collect();
    if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(hex.to_ascii_lowercase());
    }
    Err(CliError::usage(format!(
        "invalid run uuid `{input}`: expected 32 hex digits"
    ))
    .with_hint("`pxa get PROJECT:VERSION` shows a version's run as `name (uuid)`"))
}

/// What a target names: a version by its name, or `@STAGE`, the version that most recently
/// entered that stage (resolved against the server by the commands).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Which {
    Name(String),
    Stage(Stage),
}

impl Which {
    /// A version name, or `@STAGE` (version names cannot hold `@`, so the two never clash).
    pub fn parse(text: &str) -> Result<Self, CliError> {
        match text.strip_prefix('@') {
            Some(stage) => Ok(Self::Stage(parse_stage(stage, text)?)),
            None => {
                validate_version(text)?;
                Ok(Self::Name(text.to_string()))
            }
        }
    }
}

impl fmt::Display for Which {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Stage(stage) => write!(f, "@{stage}"),
        }
    }
}

/// A stage word of a selector; anything else is refused, naming the stages there are.
fn parse_stage(word: &str, input: &str) -> Result<Stage, CliError> {
    Stage::from_name(word).ok_or_else(|| {
        let all: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
        let what = match word {
            "" => format!("`{input}` names no stage after `@`"),
            _ => format!("unknown stage `{word}` in `{input}`"),
        };
        CliError::usage(what).with_hint(format!(
            "the stages are {}: e.g. PROJECT@production",
            all.join(", ")
        ))
    })
}

/// A positional target: `[OWNER/]PROJECT:VERSION`, `[OWNER/]PROJECT@STAGE`, or a bare
/// `VERSION` or `@STAGE` (the project then comes from `-p`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub project: Option<ProjectRef>,
    pub which: Which,
}

impl Target {
    /// The one parser of targets: every form is checked here, before any request.
    pub fn parse(input: &str) -> Result<Self, CliError> {
        if let Some((project, version)) = input.rsplit_once(':') {
            return Ok(Self {
                project: Some(ProjectRef::parse(project)?),
                which: Which::parse(version)?,
            });
        }
        if let Some((project, stage)) = input.split_once('@') {
            let project = match project {
                "" => None,
                p => Some(ProjectRef::parse(p)?),
            };
            return Ok(Self {
                project,
                which: Which::Stage(parse_stage(stage, input)?),
            });
        }
        Ok(Self {
            project: None,
            which: Which::parse(input)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(owner: &str, name: &str) -> ProjectRef {
        ProjectRef {
            owner: owner.into(),
            name: name.into(),
        }
    }

    #[test]
    fn project_forms() {
        assert_eq!(ProjectRef::parse("demo").unwrap(), p("default", "demo"));
        assert_eq!(ProjectRef::parse("acme/demo").unwrap(), p("acme", "demo"));
        assert_eq!(ProjectRef::parse("acme.demo").unwrap(), p("acme", "demo"));
        assert_eq!(
            ProjectRef::parse("acme/team/demo").unwrap(),
            p("acme", "demo")
        );
        assert_eq!(ProjectRef::parse(" demo ").unwrap(), p("default", "demo"));
    }

    #[test]
    fn project_rejections() {
        for bad in [
            "", "a/b/c/d", "a//b", "/demo", "de mo", "demo:v1", "a/b?c", "../x",
        ] {
            let err = ProjectRef::parse(bad).unwrap_err();
            assert_eq!(err.code, crate::exit::Code::Usage, "{bad}");
            assert!(err.hint.is_some());
        }
    }

    #[test]
    fn version_names() {
        for ok in [
            "v1",
            "1.0.0",
            "my_model-2",
            "v1.",
            "a..b",
            "-x",
            "NAMES",
            "names.",
        ] {
            validate_version(ok).unwrap();
        }
        let long = "a".repeat(129);
        for bad in [
            "",
            "a b",
            "a/b",
            "..",
            ".",
            ".hid",
            ".9z",
            "names",
            "été",
            "v1?",
            long.as_str(),
            "x\ty",
        ] {
            assert!(validate_version(bad).is_err(), "{bad:?}");
        }
        validate_version(&"a".repeat(128)).unwrap();
    }

    fn name(n: &str) -> Which {
        Which::Name(n.into())
    }

    #[test]
    fn run_uuids() {
        let hex = "6de0b57635c842abb378fb1379d4dfec";
        assert_eq!(parse_run_uuid(hex).unwrap(), hex);
        assert_eq!(
            parse_run_uuid("6DE0B576-35C8-42AB-B378-FB1379D4DFEC").unwrap(),
            hex
        );
        for bad in [
            "",
            "trainer2",
            &hex[1..],
            "6de0b57635c842abb378fb1379d4dfeg",
        ] {
            let err = parse_run_uuid(bad).unwrap_err();
            assert_eq!(err.code, crate::exit::Code::Usage, "{bad}");
        }
    }

    #[test]
    fn targets() {
        let t = Target::parse("acme/demo:v2").unwrap();
        assert_eq!(t.project, Some(p("acme", "demo")));
        assert_eq!(t.which, name("v2"));
        let t = Target::parse("demo:v2").unwrap();
        assert_eq!(t.project, Some(p("default", "demo")));
        let t = Target::parse("v3").unwrap();
        assert_eq!(t.project, None);
        assert!(Target::parse("demo:").is_err());
        assert!(Target::parse(":v1").is_err());
    }

    #[test]
    fn stage_selectors() {
        let stage = |input: &str| Target::parse(input).unwrap();
        let t = stage("demo@production");
        assert_eq!(t.project, Some(p("default", "demo")));
        assert_eq!(t.which, Which::Stage(Stage::Production));
        let t = stage("acme/demo@staging");
        assert_eq!(t.project, Some(p("acme", "demo")));
        assert_eq!(t.which, Which::Stage(Stage::Staging));
        let t = stage("@disabled");
        assert_eq!(t.project, None);
        assert_eq!(t.which, Which::Stage(Stage::Disabled));
        assert_eq!(stage("demo:@testing").which, Which::Stage(Stage::Testing));
        assert_eq!(t.which.to_string(), "@disabled");
        for bad in [
            "demo@prod",
            "demo@",
            "demo@Production",
            "@",
            "de mo@production",
            "demo@production@x",
            "demo:v1@production",
        ] {
            let err = Target::parse(bad).unwrap_err();
            assert_eq!(err.code, crate::exit::Code::Usage, "{bad}");
        }
        let err = Target::parse("demo@prod").unwrap_err();
        assert!(
            err.hint
                .unwrap()
                .contains("testing, staging, production, disabled"),
            "the allowed stages are named"
        );
        assert!(ProjectRef::parse("demo@production").is_err());
    }
}

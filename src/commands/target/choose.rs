//! Which version `PROJECT@STAGE` names: of the versions in the stage, the one that entered it
//! last. A version entered its current stage at the time of the last stage condition of that
//! stage (`GET …/{v}/stages`, contract §3.7): its `last_transition_time`, else its
//! `last_update_time`. A same-stage write (`pxa stage --force`) replaces that condition, so
//! it counts as entering again; `updated_at` moves on any edit and is never used. Ties (and
//! versions whose entry is not recorded, which count as the oldest) go to the newest
//! `created_at`, then to the greatest name (byte order), so the choice is always the same.

use chrono::{DateTime, Utc};

use crate::api::models::{ProjectVersion, Stage, StageCondition, Stages};

/// A version in the stage, with what the choice compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    /// When it entered the stage (`None`: no condition records it).
    pub entered: Option<DateTime<Utc>>,
    pub created: Option<DateTime<Utc>>,
}

/// The version as a candidate for `stage`, from its stages read: `None` when it is no longer
/// in that stage (moved between the list and the read).
pub fn candidate(version: &ProjectVersion, stages: &Stages, stage: Stage) -> Option<Candidate> {
    let current = stages.stage.as_deref()?;
    if !current.eq_ignore_ascii_case(stage.as_str()) {
        return None;
    }
    let conditions = stages.stage_conditions.as_deref().unwrap_or_default();
    Some(Candidate {
        name: version.name.clone(),
        entered: entered_at(conditions, stage),
        created: version.created_at.as_deref().and_then(instant),
    })
}

/// When the version last entered `stage`: the time of the last condition of that stage.
pub fn entered_at(conditions: &[StageCondition], stage: Stage) -> Option<DateTime<Utc>> {
    let last = conditions.iter().rev().find(|c| {
        c.stage
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(stage.as_str()))
    })?;
    last.last_transition_time
        .as_deref()
        .and_then(instant)
        .or_else(|| last.last_update_time.as_deref().and_then(instant))
}

/// The candidate that entered last; ties go to the newest `created_at`, then the greatest name.
pub fn newest(candidates: &[Candidate]) -> Option<&Candidate> {
    candidates.iter().max_by(|a, b| key(a).cmp(&key(b)))
}

fn key(c: &Candidate) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>, &str) {
    (c.entered, c.created, c.name.as_str())
}

/// The `-v` line saying how a selector was resolved.
pub fn explain(selector: &str, chosen: &Candidate, count: usize, stage: Stage) -> String {
    let when = match chosen.entered {
        Some(t) => format!(
            "entered {stage} at {}",
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ),
        None => format!("no recorded change into {stage}, chosen by creation time"),
    };
    let among = match count {
        1 => format!("the only version in {stage}"),
        n => format!("newest of {n} versions in {stage}"),
    };
    format!("{selector} → {}: {when}, {among}", chosen.name)
}

/// A server timestamp as an instant: RFC 3339, or a naive time taken as UTC.
fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn condition(stage: &str, transition: Option<&str>, update: Option<&str>) -> StageCondition {
        serde_json::from_value(json!({
            "type": stage, "status": true,
            "last_transition_time": transition, "last_update_time": update,
        }))
        .unwrap()
    }

    fn cand(name: &str, entered: Option<&str>, created: Option<&str>) -> Candidate {
        Candidate {
            name: name.into(),
            entered: entered.and_then(instant),
            created: created.and_then(instant),
        }
    }

    #[test]
    fn the_entry_is_the_last_condition_of_the_stage() {
        let conditions = [
            condition("testing", Some("2026-01-01T00:00:00Z"), None),
            condition("production", Some("2026-01-02T00:00:00Z"), None),
            condition("staging", Some("2026-01-03T00:00:00Z"), None),
            condition("PRODUCTION", Some("2026-01-04T00:00:00.500+00:00"), None),
        ];
        let at = entered_at(&conditions, Stage::Production).unwrap();
        assert_eq!(at, instant("2026-01-04T00:00:00.5Z").unwrap());
        assert_eq!(entered_at(&conditions, Stage::Disabled), None);
        let only_update = [condition("staging", None, Some("2026-01-05T00:00:00"))];
        assert_eq!(
            entered_at(&only_update, Stage::Staging),
            instant("2026-01-05T00:00:00Z")
        );
    }

    #[test]
    fn a_version_that_left_the_stage_is_no_candidate() {
        let v: ProjectVersion = serde_json::from_value(json!({"name": "v1"})).unwrap();
        let stages: Stages = serde_json::from_value(json!({"stage": "staging",
            "stage_conditions": [{"type": "production"}, {"type": "staging"}]}))
        .unwrap();
        assert_eq!(candidate(&v, &stages, Stage::Production), None);
        let c = candidate(&v, &stages, Stage::Staging).unwrap();
        assert_eq!((c.name.as_str(), c.entered), ("v1", None));
    }

    #[test]
    fn the_last_to_enter_wins_whatever_was_created_or_updated_later() {
        let c = [
            cand(
                "v2",
                Some("2026-01-02T00:00:00Z"),
                Some("2026-01-01T00:00:00Z"),
            ),
            cand(
                "v1",
                Some("2026-01-01T00:00:00Z"),
                Some("2026-03-01T00:00:00Z"),
            ),
            cand("v3", None, Some("2026-05-01T00:00:00Z")),
        ];
        assert_eq!(newest(&c).unwrap().name, "v2");
        assert_eq!(newest(&[]), None);
    }

    #[test]
    fn ties_go_to_the_newest_created_then_the_greatest_name() {
        let t = Some("2026-01-02T00:00:00Z");
        let c = [
            cand("b", t, Some("2026-01-01T00:00:00Z")),
            cand("a", t, Some("2026-01-01T00:00:01Z")),
            cand("c", t, Some("2026-01-01T00:00:00Z")),
        ];
        assert_eq!(newest(&c).unwrap().name, "a");
        let c = [cand("b", t, None), cand("c", t, None), cand("a", t, None)];
        assert_eq!(newest(&c).unwrap().name, "c");
        let unrecorded = [
            cand("old", None, Some("2026-01-01T00:00:00Z")),
            cand("new", None, Some("2026-02-01T00:00:00Z")),
        ];
        assert_eq!(newest(&unrecorded).unwrap().name, "new");
    }

    #[test]
    fn the_explanation_says_when_and_among_how_many() {
        let c = cand("v7", Some("2026-01-02T03:04:05Z"), None);
        assert_eq!(
            explain("default/demo@production", &c, 3, Stage::Production),
            "default/demo@production → v7: entered production at 2026-01-02T03:04:05.000Z, \
             newest of 3 versions in production"
        );
        let c = cand("v1", None, None);
        assert!(
            explain("d@staging", &c, 1, Stage::Staging).ends_with("the only version in staging")
        );
    }
}

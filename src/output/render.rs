//! Row builders and the table/TSV renderers.

use tabled::builder::Builder;
use tabled::settings::peaker::PriorityMax;
use tabled::settings::{Padding, Style, Width};

use super::Output;
use crate::api::models::{ProjectVersion, Stages};
use crate::text::{escape_controls, one_line, truncate};

/// Aligned columns with a header, no borders (like gh and cargo), narrowed to `width` by
/// truncating the widest columns first.
pub fn table(header: &[&str], rows: &[Vec<String>], width: Option<usize>) -> String {
    let mut builder = Builder::default();
    builder.push_record(header.iter().map(|h| h.to_string()));
    for row in rows {
        builder.push_record(
            row.iter()
                .map(|c| escape_controls(&one_line(c)).into_owned()),
        );
    }
    let mut table = builder.build();
    table.with(Style::blank()).with(Padding::new(0, 2, 0, 0));
    if let Some(width) = width {
        table.with(
            Width::truncate(width)
                .suffix("…")
                .priority(PriorityMax::right()),
        );
    }
    let mut text = table.to_string();
    // Trailing blanks from the last column help nobody.
    text = text
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    text.push('\n');
    text
}

/// Tab-separated rows without a header; backslashes, tabs, newlines and every other control
/// character inside values are escaped.
pub fn tsv(rows: &[Vec<String>]) -> String {
    let mut text = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    text
}

fn escape(value: &str) -> String {
    escape_controls(&value.replace('\\', "\\\\")).into_owned()
}

/// Long values are cut on a terminal only: piped output keeps them whole.
fn clip(out: &Output, value: &str, max: usize) -> String {
    if out.tty {
        truncate(value, max).into_owned()
    } else {
        value.to_string()
    }
}

/// `ls` columns: NAME, STAGE, TAGS, DESCRIPTION, CREATED, UPDATED.
pub fn version_rows(
    out: &Output,
    items: &[&ProjectVersion],
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec!["NAME", "STAGE", "TAGS", "DESCRIPTION", "CREATED", "UPDATED"];
    let rows = items
        .iter()
        .map(|v| {
            vec![
                v.name.clone(),
                v.stage.clone().unwrap_or_default(),
                v.tags.as_ref().map(|t| t.join(",")).unwrap_or_default(),
                clip(out, v.description.as_deref().unwrap_or(""), 48),
                out.time(v.created_at.as_deref()),
                out.time(v.updated_at.as_deref()),
            ]
        })
        .collect();
    (header, rows)
}

/// `stages` columns: STAGE, STATUS, REASON, MESSAGE, SINCE.
pub fn stages_rows(out: &Output, stages: &Stages) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let header = vec!["STAGE", "STATUS", "REASON", "MESSAGE", "SINCE"];
    let rows = stages
        .stage_conditions
        .iter()
        .flatten()
        .map(|c| {
            let status = match c.status_bool() {
                Some(b) => b.to_string(),
                None => c.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
            };
            vec![
                c.stage.clone().unwrap_or_default(),
                status,
                c.reason.clone().unwrap_or_default(),
                clip(out, c.message.as_deref().unwrap_or(""), 60),
                out.time(
                    c.last_transition_time
                        .as_deref()
                        .or(c.last_update_time.as_deref()),
                ),
            ]
        })
        .collect();
    (header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_escapes_and_has_no_header() {
        let rows = vec![vec!["a\tb".to_string(), "line1\nline2".to_string()]];
        assert_eq!(tsv(&rows), "a\\tb\tline1\\nline2\n");
    }

    #[test]
    fn table_aligns_with_header() {
        let rows = vec![
            vec!["v1".to_string(), "testing".to_string()],
            vec!["version-2".to_string(), "production".to_string()],
        ];
        let text = table(&["NAME", "STAGE"], &rows, None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("NAME") && lines[0].contains("STAGE"));
        let col = lines[0].find("STAGE").unwrap();
        assert_eq!(lines[1].find("testing"), Some(col));
        assert_eq!(lines[2].find("production"), Some(col));
    }

    #[test]
    fn table_fits_the_width() {
        let rows = vec![vec![
            "v1".to_string(),
            "d".repeat(200),
            "2026-11-27".to_string(),
        ]];
        let text = table(&["NAME", "DESCRIPTION", "CREATED"], &rows, Some(60));
        for line in text.lines() {
            assert!(line.chars().count() <= 60, "{line}");
        }
        assert!(
            text.contains("2026-11-27"),
            "narrow columns are kept: {text}"
        );
        assert!(text.contains('…'));
    }
}

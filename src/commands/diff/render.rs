//! How a diff is printed: grouped lines with `+`/`-`/`~` marks on a terminal (coloured by the
//! printer), tab-separated MARK, SECTION, NAME, A, B rows when piped, the documented JSON,
//! or the names of what differs.

use anyhow::Result;
use serde_json::{Map, Value, json};

use super::Side;
use crate::commands::Context;
use crate::commands::files::{entries, run_of};
use crate::inspect::VersionFiles;
use crate::inspect::content::ContentChange;
use crate::inspect::diff::{Change, Diff, FieldChange, LineageChange};
use crate::inspect::files::FileChange;
use crate::output::{Format, Mark};
use crate::pull::space::human;
use crate::text::count;

/// One difference as a row: MARK, SECTION, NAME, A, B.
type Row = [String; 5];

pub fn print(ctx: &Context, sides: &[Side; 2], v: &[VersionFiles; 2], d: &Diff) -> Result<()> {
    let out = &ctx.out;
    match out.format {
        Format::Json | Format::Yaml => return out.structured(&as_json(ctx, sides, v, d)),
        Format::Name => out.lines(rows(d).map(|[_, _, name, _, _]| name))?,
        Format::Table => out.marked(&grouped(sides, d))?,
        _ => out.tsv(&rows(d).map(Vec::from).collect::<Vec<_>>())?,
    }
    for e in &d.not_compared {
        let text = format!("entry `{}`: files not compared: {}", e.entry, e.why);
        ctx.printer().note(&text);
    }
    let unseen = d.same_size.files - d.same_size.same_file;
    if unseen > 0 && !d.same_size.hashed {
        ctx.printer().note(&format!(
            "{} of the same size on both sides: a change of their bytes is not seen without --content-hash",
            count(unseen, "file")
        ));
    }
    Ok(())
}

/// The documented `-o json` shape: each side, the kind, then the differences.
fn as_json(ctx: &Context, sides: &[Side; 2], v: &[VersionFiles; 2], d: &Diff) -> Value {
    let side = |s: &Side, f: &VersionFiles| {
        json!({"project": s.registry.project.to_string(), "version": s.name,
               "uuid": f.version.uuid, "run": run_of(f)})
    };
    let mut out = Map::new();
    out.insert("a".into(), side(&sides[0], &v[0]));
    out.insert("b".into(), side(&sides[1], &v[1]));
    out.insert("kind".into(), json!(ctx.kind.as_str()));
    if let Ok(Value::Object(rest)) = serde_json::to_value(d) {
        out.extend(rest);
    }
    Value::Object(out)
}

/// Every difference as a row, in the order the groups are printed.
fn rows(d: &Diff) -> impl Iterator<Item = Row> + '_ {
    let fields = d.fields.iter().map(|f| {
        let [a, b] = [&f.a, &f.b].map(plain);
        row(Change::Changed, "field", f.field, a, b)
    });
    let content = d.content.iter().map(|c| {
        let [a, b] = [&c.a, &c.b].map(|v| v.as_ref().map(Value::to_string).unwrap_or_default());
        row(c.change, "content", &c.path, a, b)
    });
    let lineage = d.lineage.iter().map(|l| {
        let [a, b] = [&l.a, &l.b].map(|s| s.as_ref().map(lineage_side).unwrap_or_default());
        row(l.change, "lineage", &l.entry, a, b)
    });
    let files = d.files.iter().map(|f| {
        let [a, b] = match (&f.a_blake3, &f.b_blake3) {
            (Some(a), Some(b)) => [a.clone(), b.clone()],
            _ => [f.a, f.b].map(|n| n.map(|n| n.to_string()).unwrap_or_default()),
        };
        row(f.change, "file", &f.path, a, b)
    });
    fields.chain(content).chain(lineage).chain(files)
}

fn row(change: Change, section: &str, name: &str, a: String, b: String) -> Row {
    [change.mark().into(), section.into(), name.into(), a, b]
}

/// A field's value as text: strings as they are, lists comma-separated, none empty.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// A lineage side as `KIND PATH` (the path as the server has it, run uuid first).
fn lineage_side(v: &Value) -> String {
    format!("{} {}", plain(&v["kind"]), plain(&v["path"]))
}

/// The lines people read: the sides, then each group that has differences, then a count.
fn grouped(sides: &[Side; 2], d: &Diff) -> Vec<(Mark, String)> {
    let mut lines = vec![
        (Mark::Removed, format!("--- A {}", shown(&sides[0]))),
        (Mark::Added, format!("+++ B {}", shown(&sides[1]))),
    ];
    let mut group = |title: &str, items: Vec<(Mark, String)>| {
        if !items.is_empty() {
            lines.push((Mark::Heading, title.to_string()));
            lines.extend(items);
        }
    };
    group("fields", d.fields.iter().map(field_line).collect());
    group("content", d.content.iter().map(content_line).collect());
    group("lineage", d.lineage.iter().map(lineage_line).collect());
    let whole: Vec<&str> = d
        .lineage
        .iter()
        .filter(|l| matches!(l.change, Change::Added | Change::Removed))
        .map(|l| l.entry.as_str())
        .collect();
    group("files", file_lines(&d.files, &whole));
    lines.push((Mark::Plain, summary(d)));
    lines
}

fn shown(s: &Side) -> String {
    format!("{}:{}", s.registry.project, s.name)
}

fn mark(change: Change) -> Mark {
    match change {
        Change::Added => Mark::Added,
        Change::Removed => Mark::Removed,
        _ => Mark::Changed,
    }
}

fn field_line(f: &FieldChange) -> (Mark, String) {
    let text = match f.field {
        "tags" => {
            let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
            let (a, b) = (list(&f.a), list(&f.b));
            let added = b
                .iter()
                .filter(|t| !a.contains(t))
                .map(|t| format!("+{}", plain(t)));
            let removed = a
                .iter()
                .filter(|t| !b.contains(t))
                .map(|t| format!("-{}", plain(t)));
            added.chain(removed).collect::<Vec<_>>().join(" ")
        }
        "readme" => format!("{} → {}", lines_of(&f.a), lines_of(&f.b)),
        _ => format!("{} → {}", or_none(&f.a), or_none(&f.b)),
    };
    (Mark::Changed, format!("  ~ {}: {text}", f.field))
}

fn or_none(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        v => crate::text::one_line(&plain(v)),
    }
}

fn lines_of(v: &Value) -> String {
    match v.as_str() {
        None => "(none)".to_string(),
        Some(text) => count(text.lines().count() as u64, "line"),
    }
}

fn content_line(c: &ContentChange) -> (Mark, String) {
    let value = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
    let text = match c.change {
        Change::Added => format!("{}: {}", c.path, value(&c.b)),
        Change::Removed => format!("{}: {}", c.path, value(&c.a)),
        _ => format!("{}: {} → {}", c.path, value(&c.a), value(&c.b)),
    };
    (mark(c.change), format!("  {} {text}", c.change.mark()))
}

fn lineage_line(l: &LineageChange) -> (Mark, String) {
    let side = |s: &Option<Value>| s.as_ref().map(lineage_side).unwrap_or_default();
    let text = match l.change {
        Change::Added => format!("{}: {}", l.entry, side(&l.b)),
        Change::Removed => format!("{}: {}", l.entry, side(&l.a)),
        _ => format!("{}: {} → {}", l.entry, side(&l.a), side(&l.b)),
    };
    (mark(l.change), format!("  {} {text}", l.change.mark()))
}

/// Files under their entry, paths aligned; an entry added or removed whole (`whole`) in one
/// line when it has several files (`-o json` and TSV list each).
fn file_lines(files: &[FileChange], whole: &[&str]) -> Vec<(Mark, String)> {
    let collapsed = |g: &[FileChange]| g.len() > 1 && whole.contains(&g[0].entry.as_str());
    let groups: Vec<&[FileChange]> = files.chunk_by(|x, y| x.entry == y.entry).collect();
    let shown = groups
        .iter()
        .filter(|g| !collapsed(g))
        .flat_map(|g| g.iter());
    let width = shown
        .map(|f| f.path.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    let mut out = Vec::new();
    for group in groups {
        let first = &group[0];
        out.push((Mark::Plain, format!("  {}", first.entry)));
        if collapsed(group) {
            let bytes: u64 = group.iter().map(|f| f.a.or(f.b).unwrap_or(0)).sum();
            let what = format!("{}, {}", count(group.len() as u64, "file"), human(bytes));
            let line = format!("    {} {what} (the whole entry)", first.change.mark());
            out.push((mark(first.change), line));
            continue;
        }
        for f in group {
            let line = format!("    {} {:<width$}  {}", f.change.mark(), f.path, sizes(f));
            out.push((mark(f.change), line));
        }
    }
    out
}

/// A changed file's sizes (and hashes, for other bytes of the same size).
fn sizes(f: &FileChange) -> String {
    let size = |n: Option<u64>| n.map(human).unwrap_or_default();
    match f.change {
        Change::Added => size(f.b),
        Change::Removed => size(f.a),
        Change::Resized => format!("{} → {}", size(f.a), size(f.b)),
        _ => format!(
            "{}, other bytes (BLAKE3 {} → {})",
            size(f.b),
            short(&f.a_blake3),
            short(&f.b_blake3)
        ),
    }
}

fn short(hash: &Option<String>) -> String {
    let hash = hash.as_deref().unwrap_or("");
    format!("{}…", &hash[..hash.len().min(12)])
}

/// `no differences`, or how many of each kind differ.
fn summary(d: &Diff) -> String {
    if d.equal {
        return "no differences".to_string();
    }
    let parts = [
        (d.fields.len(), "field"),
        (d.content.len(), "content key"),
        (d.lineage.len(), "lineage entry"),
        (d.files.len(), "file"),
    ];
    let said: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, noun)| match *noun {
            "lineage entry" => format!("{} in the lineage", entries(*n as u64)),
            noun => count(*n as u64, noun),
        })
        .collect();
    format!("{} differ", said.join(", "))
}

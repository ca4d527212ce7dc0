//! Value parsers: how clap reads the crate's own enums (`--kind`, `--to`, `-o`, `--color`,
//! `--progress`) and durations (`--timeout`, `--interval`). The enums live with the layer that
//! uses them and know nothing of clap; their command-line spelling and help live here.

use std::time::Duration;

use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::api::models::{Kind, Stage};
use crate::output::progress::Mode as ProgressMode;
use crate::output::{ColorChoice, Format};

/// Implements [`ValueEnum`] for an enum from its variants, names and optional help.
macro_rules! value_enum {
    ($ty:ty { $($variant:path => $name:literal $(, $help:literal)?;)+ }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($variant),+]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $($variant => PossibleValue::new($name)$(.help($help))?,)+
                })
            }
        }
    };
}

value_enum!(Kind {
    Kind::Artifact => "artifact";
    Kind::Model => "model";
    Kind::Component => "component";
});

value_enum!(Stage {
    Stage::Testing => "testing";
    Stage::Staging => "staging";
    Stage::Production => "production";
    Stage::Disabled => "disabled";
});

value_enum!(Format {
    Format::Auto => "auto", "Table on a terminal, tab-separated when piped";
    Format::Table => "table", "Aligned columns for people";
    Format::Tsv => "tsv", "Tab-separated values, no header, full values";
    Format::Json => "json", "The server's JSON";
    Format::Yaml => "yaml", "The server's object as YAML";
    Format::Name => "name", "Names only, one per line";
});

value_enum!(ColorChoice {
    ColorChoice::Auto => "auto", "Color what goes to a terminal, unless NO_COLOR is set";
    ColorChoice::Always => "always";
    ColorChoice::Never => "never";
});

value_enum!(ProgressMode {
    ProgressMode::Auto => "auto", "Bars on a terminal, plain lines otherwise";
    ProgressMode::Bars => "bars", "Live bars (terminal)";
    ProgressMode::Plain => "plain", "A plain line at most every 5 s and at each finished entry";
    ProgressMode::Json => "json", "One JSON event per line";
    ProgressMode::None => "none", "Errors only";
});

/// `30s`, `10m`, `1h`, `500ms` or plain seconds (`90`, `1.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("unknown unit `{unit}` in `{text}` (use s, m or h)")),
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 30s, 10m, 1h or seconds)"))?;
    if !n.is_finite() || n <= 0.0 {
        return Err(format!("`{text}` must be above zero"));
    }
    Ok(Duration::from_secs_f64(n * scale))
}

/// The global `--timeout`: seconds, or a duration like `10m`. A plain number is passed through
/// as is, so the settings report a zero or negative one in their own words.
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) => Ok(n),
        Err(_) => parse_duration(text).map(|d| d.as_secs_f64()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        for bad in ["", "0", "-5", "10x", "m", "abc", "1e999"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_seconds("2m").unwrap(), 120.0);
        assert_eq!(
            parse_seconds("0").unwrap(),
            0.0,
            "left to the settings to refuse"
        );
        assert!(parse_seconds("soon").is_err());
    }

    #[test]
    fn every_variant_has_its_name() {
        let kinds: Vec<&str> = Kind::value_variants().iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, ["artifact", "model", "component"]);
        for kind in Kind::value_variants() {
            let name = kind.to_possible_value().unwrap();
            assert_eq!(name.get_name(), kind.as_str());
        }
        for stage in Stage::value_variants() {
            let name = stage.to_possible_value().unwrap();
            assert_eq!(name.get_name(), stage.as_str());
        }
        assert_eq!(Format::from_str("yaml", false), Ok(Format::Yaml));
    }
}

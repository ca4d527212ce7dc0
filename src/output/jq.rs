//! `--jq EXPR`: filter JSON output with a jq implementation (jaq), no external `jq` needed.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Native, RcIter};
use jaq_json::Val;
use serde_json::Value;

use crate::exit::CliError;

/// A compiled filter, checked before any request is sent.
pub struct JqFilter {
    filter: jaq_core::Filter<Native<Val>>,
}

impl std::fmt::Debug for JqFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JqFilter")
    }
}

impl JqFilter {
    /// Parses and compiles `expr`; a bad expression is a usage error.
    pub fn compile(expr: &str) -> Result<Self, CliError> {
        let bad = |what: &str| {
            CliError::usage(format!("invalid --jq expression `{expr}`: {what}"))
                .with_hint("for example --jq '.[].name' or --jq '.meta_info.lineage | length'")
        };
        let loader = Loader::new(jaq_std::defs().chain(jaq_json::defs()));
        let arena = Arena::default();
        let modules = loader
            .load(
                &arena,
                File {
                    code: expr,
                    path: (),
                },
            )
            .map_err(|errs| bad(&format!("{} parse error(s)", errs.len())))?;
        let filter = Compiler::default()
            .with_funs(jaq_std::funs().chain(jaq_json::funs()))
            .compile(modules)
            .map_err(|errs| {
                let names: Vec<String> = errs
                    .iter()
                    .flat_map(|(_, list)| list.iter().map(|(name, _)| name.to_string()))
                    .collect();
                bad(&format!("undefined: {}", names.join(", ")))
            })?;
        Ok(Self { filter })
    }

    /// Runs the filter on one input; every output value in order.
    pub fn apply(&self, input: &Value) -> Result<Vec<Value>, CliError> {
        let inputs = RcIter::new(core::iter::empty());
        let mut out = Vec::new();
        for item in self
            .filter
            .run((Ctx::new([], &inputs), Val::from(input.clone())))
        {
            match item {
                Ok(v) => out.push(Value::from(v)),
                Err(e) => return Err(CliError::usage(format!("--jq failed: {e}"))),
            }
        }
        Ok(out)
    }
}

/// How one result prints: strings raw (like `jq -r`), everything else as compact JSON.
pub fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_and_renders() {
        let input = json!([{"name": "v1", "tags": ["a"]}, {"name": "v2", "tags": []}]);
        let f = JqFilter::compile(".[].name").unwrap();
        let out: Vec<String> = f.apply(&input).unwrap().iter().map(render).collect();
        assert_eq!(out, ["v1", "v2"]);
        let f = JqFilter::compile("map(select(.tags | length > 0)) | length").unwrap();
        assert_eq!(f.apply(&input).unwrap(), vec![json!(1)]);
    }

    #[test]
    fn bad_expressions_are_usage_errors() {
        for expr in [".[", "nosuchfn(1)", "|"] {
            let err = JqFilter::compile(expr).unwrap_err();
            assert_eq!(err.code, crate::exit::Code::Usage, "{expr}");
        }
        let f = JqFilter::compile(".a.b").unwrap();
        assert!(f.apply(&json!([1])).is_err());
    }
}

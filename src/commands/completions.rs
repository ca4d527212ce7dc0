//! `pxa completions SHELL` and `pxa man`: generated from the clap tree by `cli::generate`.

use anyhow::Result;

use crate::cli::generate::{Shell, completion_script, man_page};
use crate::output::Printer;

pub fn completions(shell: Shell, printer: &Printer) -> Result<()> {
    Ok(printer.out_bytes(&completion_script(shell))?)
}

pub fn man(printer: &Printer) -> Result<()> {
    Ok(printer.out_bytes(&man_page()?)?)
}

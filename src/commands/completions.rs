//! `pxa completions SHELL` and `pxa man`: generated from the same clap tree.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::output::Printer;

pub fn completions(shell: clap_complete::Shell, printer: &Printer) -> Result<()> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "pxa", &mut script);
    Ok(printer.out_bytes(&script)?)
}

pub fn man(printer: &Printer) -> Result<()> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    Ok(printer.out_bytes(&page)?)
}

//! The `pxa` binary: everything happens in the library.

fn main() {
    std::process::exit(pxa::main_entry());
}

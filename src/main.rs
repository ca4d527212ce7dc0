//! The `pxa` binary: everything happens in the library.

/// mimalloc keeps freed download buffers for reuse instead of handing them back to the
/// kernel, which with the system allocator cost a page fault per 4 KiB of every chunk.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(pxa::main_entry());
}

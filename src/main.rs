//! The `pxa` binary: everything happens in the library.

fn main() {
    tune_allocator();
    std::process::exit(pxa::main_entry());
}

/// glibc's malloc serves blocks of 128 KiB and more (every socket read of a download) with a
/// fresh mmap and hands them back on free, so each chunk costs a page fault per 4 KiB. A fixed
/// 4 MiB threshold keeps them on the heap, and a 16 MiB trim threshold keeps freed memory for
/// the next chunk instead of returning it to the kernel (measured on a 256 MiB pull: 24,000
/// page faults down to ~1,200, peak RSS 18 to 13 MiB). mimalloc removed the faults as well
/// but tripled the peak RSS of a pull (18 to 54 MiB).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 16 << 20);
    }
}

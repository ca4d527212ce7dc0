//! A full disk during a pull: telling it from other write errors, and how much room is left.

use std::io;
use std::path::Path;

/// Whether a write failed because the disk (or the user's quota) is full.
pub fn is_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// Bytes an unprivileged writer can still use on the filesystem holding `path`; `None` when
/// the filesystem does not say (it reports no blocks at all, as some network mounts do).
#[cfg(unix)]
pub fn free_bytes(path: &Path) -> Option<u64> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut s = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a NUL-terminated path and `s` a writable statvfs the call fills in.
    let rc = unsafe { libc::statvfs(c.as_ptr(), s.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled in `s`.
    let s = unsafe { s.assume_init() };
    if s.f_blocks == 0 {
        return None;
    }
    // The field types differ between platforms (u32 on some 32-bit ones).
    #[allow(clippy::unnecessary_cast)]
    let (avail, frsize) = (s.f_bavail as u64, s.f_frsize as u64);
    Some(avail.saturating_mul(frsize))
}

#[cfg(not(unix))]
pub fn free_bytes(_: &Path) -> Option<u64> {
    None
}

/// A size for people: `512 B`, `3.00 MiB`, `1.50 GiB` (binary units, as the progress shows).
pub fn human(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disks_are_told_apart() {
        assert!(is_full(&io::Error::from_raw_os_error(libc::ENOSPC)));
        assert!(is_full(&io::Error::from_raw_os_error(libc::EDQUOT)));
        assert!(!is_full(&io::Error::from_raw_os_error(libc::EFBIG)));
        assert!(!is_full(&io::Error::from(io::ErrorKind::PermissionDenied)));
        let dir = tempfile::tempdir().unwrap();
        assert!(free_bytes(dir.path()).is_some_and(|b| b > 0));
        assert_eq!(free_bytes(&dir.path().join("missing")), None);
        assert_eq!(human(512), "512 B");
        assert_eq!(human(3 << 20), "3.00 MiB");
        assert_eq!(human(1536 << 20), "1.50 GiB");
    }
}

//! A real, small file system for a test to fill up: a tmpfs of a given
//! size, mounted on a temporary directory and unmounted when dropped.
//! Mounting needs root; where it is refused the test is skipped with a
//! message, except under CI (`CI` set), which must run it.

use std::path::{Path, PathBuf};

pub struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// A tmpfs of `size` (as mount takes it: `6m`), or `None` where this
    /// machine does not allow mounting and CI is not set.
    pub fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out =
            std::process::Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(dir.path()).output();
        let why = match out {
            Ok(out) if out.status.success() => return Some(SmallDisk { path: dir.path().to_path_buf(), _dir: dir }),
            Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
            Err(e) => e.to_string(),
        };
        assert!(std::env::var_os("CI").is_none(), "CI must run the full-disk tests, but mounting a tmpfs failed: {why}");
        eprintln!("skipping: cannot mount a tmpfs here ({why})");
        None
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

//! The shim itself, `redline-faults`, over the platform's VFS: every file
//! method passes through [`crate::verdict`] first; the database, WAL and
//! journals keep unsynced changes in [`crate::pending`] while power cuts
//! are planned. Temporary files pass straight through (nothing relies on
//! them after a crash).

use crate::pending::{self, Change};
use crate::{Failure, Verdict};
use redline_seal::shim::{self, root};
use rusqlite::ffi;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::OnceLock;

const VFS_CNAME: &CStr = c"redline-faults";

pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| unsafe {
        let root = ffi::sqlite3_vfs_find(std::ptr::null());
        assert!(!root.is_null(), "SQLite has no default VFS");
        let vfs = Box::leak(Box::new(ffi::sqlite3_vfs {
            iVersion: 3,
            szOsFile: (std::mem::size_of::<FaultyFile>() as c_int) + (*root).szOsFile,
            mxPathname: (*root).mxPathname,
            pNext: std::ptr::null_mut(),
            zName: VFS_CNAME.as_ptr(),
            pAppData: root.cast(),
            xOpen: Some(x_open),
            xDelete: Some(x_delete),
            xAccess: Some(shim::x_access),
            xFullPathname: Some(shim::x_full_pathname),
            xDlOpen: None,
            xDlError: None,
            xDlSym: None,
            xDlClose: None,
            xRandomness: Some(shim::x_randomness),
            xSleep: Some(shim::x_sleep),
            xCurrentTime: Some(shim::x_current_time),
            xGetLastError: Some(shim::x_get_last_error),
            xCurrentTimeInt64: Some(shim::x_current_time_int64),
            xSetSystemCall: None,
            xGetSystemCall: None,
            xNextSystemCall: None,
        }));
        assert_eq!(ffi::sqlite3_vfs_register(vfs, 1), ffi::SQLITE_OK, "registering the faulty VFS");
    });
}

/// Our file, followed in the same allocation by the platform's file.
#[repr(C)]
struct FaultyFile {
    base: ffi::sqlite3_file,
    /// The file's path (a `Box<String>`, freed on close), or null for a
    /// file whose changes are never held (temporary files).
    path: *mut String,
}

unsafe fn real(f: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    unsafe { shim::real::<FaultyFile>(f) }
}

/// The path of a file whose unsynced changes are held, while holding.
unsafe fn held(f: *mut ffi::sqlite3_file) -> Option<&'static str> {
    let p = unsafe { (*f.cast::<FaultyFile>()).path };
    if p.is_null() || !crate::holding() { None } else { Some(unsafe { (*p).as_str() }) }
}

macro_rules! forward {
    ($f:expr, $method:ident, $missing:expr $(, $arg:expr)*) => {{
        let r = real($f);
        match (*(*r).pMethods).$method {
            Some(m) => m(r $(, $arg)*),
            None => $missing,
        }
    }};
}

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    unsafe {
        (*file).pMethods = std::ptr::null();
        let root = root(vfs);
        let Some(open) = (*root).xOpen else { return ffi::SQLITE_CANTOPEN };
        let rc = open(root, name, real(file), flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let durable = ffi::SQLITE_OPEN_MAIN_DB | ffi::SQLITE_OPEN_WAL | ffi::SQLITE_OPEN_MAIN_JOURNAL | ffi::SQLITE_OPEN_SUPER_JOURNAL;
        let s = file.cast::<FaultyFile>();
        (*s).path = if flags & durable != 0 && !name.is_null() {
            Box::into_raw(Box::new(CStr::from_ptr(name).to_string_lossy().into_owned()))
        } else {
            std::ptr::null_mut()
        };
        (*file).pMethods = &METHODS;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_close(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let rc = forward!(f, xClose, ffi::SQLITE_OK);
        let s = f.cast::<FaultyFile>();
        if !(*s).path.is_null() {
            drop(Box::from_raw((*s).path));
            (*s).path = std::ptr::null_mut();
        }
        rc
    }
}

/// Power fails now: a random part of every file's unsynced changes reaches
/// the disk (each write whole, cut to its first sectors, or not at all;
/// truncations done or not), then the process dies.
fn cut() -> ! {
    for (path, changes) in pending::take_all() {
        let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path) else { continue };
        for change in changes {
            use std::os::unix::fs::FileExt;
            match change {
                Change::Write { offset, data } => match crate::coin(4) {
                    0 | 1 => {}
                    2 => {
                        let _ = file.write_all_at(&data, offset);
                    }
                    _ => {
                        let sectors = data.len().div_ceil(512) as u64;
                        let keep = ((crate::coin(sectors.max(1)) * 512) as usize).min(data.len());
                        let _ = file.write_all_at(&data[..keep], offset);
                    }
                },
                Change::Truncate { size } => {
                    if crate::coin(2) == 0 {
                        let _ = file.set_len(size);
                    }
                }
            }
        }
    }
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    loop {
        std::thread::park();
    }
}

/// The fate of one operation: `Some(code)` to fail it with (`io` for an
/// I/O error), `None` to carry on. A power cut does not return.
fn gate(is_read: bool, is_sync: bool, io: c_int) -> Option<c_int> {
    match crate::verdict(is_read, is_sync) {
        Verdict::Go => None,
        Verdict::Fail(Failure::Io) => Some(io),
        Verdict::Fail(Failure::Full) => Some(ffi::SQLITE_FULL),
        Verdict::Cut => cut(),
    }
}

unsafe extern "C" fn x_read(f: *mut ffi::sqlite3_file, buf: *mut c_void, amt: c_int, off: ffi::sqlite3_int64) -> c_int {
    if let Some(rc) = gate(true, false, ffi::SQLITE_IOERR_READ) {
        return rc;
    }
    unsafe {
        let rc = forward!(f, xRead, ffi::SQLITE_IOERR_READ, buf, amt, off);
        let Some(path) = held(f) else { return rc };
        if !pending::any(path) || (rc != ffi::SQLITE_OK && rc != ffi::SQLITE_IOERR_SHORT_READ) {
            return rc;
        }
        let mut on_disk: ffi::sqlite3_int64 = 0;
        let frc = forward!(f, xFileSize, ffi::SQLITE_IOERR_FSTAT, &mut on_disk);
        if frc != ffi::SQLITE_OK {
            return frc;
        }
        let buf = std::slice::from_raw_parts_mut(buf.cast::<u8>(), amt as usize);
        let size = pending::overlay(path, buf, off as u64, on_disk as u64);
        if size < off as u64 + amt as u64 { ffi::SQLITE_IOERR_SHORT_READ } else { ffi::SQLITE_OK }
    }
}

unsafe extern "C" fn x_write(f: *mut ffi::sqlite3_file, buf: *const c_void, amt: c_int, off: ffi::sqlite3_int64) -> c_int {
    if let Some(rc) = gate(false, false, ffi::SQLITE_IOERR_WRITE) {
        return rc;
    }
    unsafe {
        let Some(path) = held(f) else { return forward!(f, xWrite, ffi::SQLITE_IOERR_WRITE, buf, amt, off) };
        let data = std::slice::from_raw_parts(buf.cast::<u8>(), amt as usize).to_vec();
        pending::push(path, Change::Write { offset: off as u64, data });
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_truncate(f: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    if let Some(rc) = gate(false, false, ffi::SQLITE_IOERR_TRUNCATE) {
        return rc;
    }
    unsafe {
        let Some(path) = held(f) else { return forward!(f, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size) };
        pending::push(path, Change::Truncate { size: size as u64 });
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    if let Some(rc) = gate(false, true, ffi::SQLITE_IOERR_FSYNC) {
        return rc;
    }
    unsafe {
        if let Some(path) = held(f) {
            for change in pending::take(path) {
                let rc = match change {
                    Change::Write { offset, data } => {
                        forward!(f, xWrite, ffi::SQLITE_IOERR_WRITE, data.as_ptr().cast(), data.len() as c_int, offset as i64)
                    }
                    Change::Truncate { size } => forward!(f, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size as i64),
                };
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
            }
        }
        forward!(f, xSync, ffi::SQLITE_IOERR_FSYNC, flags)
    }
}

unsafe extern "C" fn x_file_size(f: *mut ffi::sqlite3_file, size: *mut ffi::sqlite3_int64) -> c_int {
    unsafe {
        let rc = forward!(f, xFileSize, ffi::SQLITE_IOERR_FSTAT, size);
        if rc == ffi::SQLITE_OK
            && let Some(path) = held(f)
        {
            *size = pending::size(path, *size as u64) as i64;
        }
        rc
    }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(shim::x_lock::<FaultyFile>),
    xUnlock: Some(shim::x_unlock::<FaultyFile>),
    xCheckReservedLock: Some(shim::x_check_reserved_lock::<FaultyFile>),
    xFileControl: Some(shim::x_file_control::<FaultyFile>),
    xSectorSize: Some(shim::x_sector_size::<FaultyFile>),
    xDeviceCharacteristics: Some(shim::x_device_characteristics::<FaultyFile>),
    xShmMap: Some(shim::x_shm_map::<FaultyFile>),
    xShmLock: Some(shim::x_shm_lock::<FaultyFile>),
    xShmBarrier: Some(shim::x_shm_barrier::<FaultyFile>),
    xShmUnmap: Some(shim::x_shm_unmap::<FaultyFile>),
    xFetch: Some(shim::x_fetch),
    xUnfetch: Some(shim::x_unfetch),
};

// ---- the rest of the VFS: the platform's (redline_seal::shim), but a
// deleted file's unsynced changes go with it ------------------------------------

unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync: c_int) -> c_int {
    unsafe {
        if !name.is_null() {
            pending::forget(&CStr::from_ptr(name).to_string_lossy());
        }
        shim::x_delete(vfs, name, sync)
    }
}

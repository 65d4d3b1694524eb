//! What every SQLite VFS shim here passes straight to the platform's VFS:
//! the VFS-level calls (access, full path names, randomness, sleep, time,
//! the last error) and the file methods a shim does not change (locks,
//! file control, sector size, device characteristics, shared memory).
//! Used by the sealed VFS (`vfs.rs`) and by the tests' faulty disk
//! (`redline-faults`), so the forwarding is written once.
//!
//! Two layouts are assumed, as both shims are built: the shim's
//! `sqlite3_vfs` holds the platform VFS in `pAppData`, and the shim's file
//! struct `W` (starting with its `sqlite3_file`) is followed in the same
//! allocation by the platform's file.

// The safety contract of the callbacks is one per group, stated above each
// group instead of on every one-line forwarder.
#![allow(clippy::missing_safety_doc)]

use rusqlite::ffi;
use std::ffi::{c_char, c_int, c_void};

/// The platform VFS a shim wraps.
///
/// # Safety
/// `vfs` is a shim whose `pAppData` is the platform VFS.
pub unsafe fn root(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    unsafe { (*vfs).pAppData.cast() }
}

/// The platform's file behind a shim's file of type `W`.
///
/// # Safety
/// `f` is a shim file of type `W`, allocated with room for the platform's
/// file after it.
pub unsafe fn real<W>(f: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    unsafe { f.cast::<W>().add(1).cast() }
}

/// Calls a method of the platform file, or answers `$missing` when it has none.
macro_rules! forward {
    ($w:ty, $f:expr, $method:ident, $missing:expr $(, $arg:expr)*) => {{
        let r = real::<$w>($f);
        match (*(*r).pMethods).$method {
            Some(m) => m(r $(, $arg)*),
            None => $missing,
        }
    }};
}

// The file methods, for a shim file of type `W`. Safety (all): SQLite calls
// them with a file the shim opened over the platform's.

pub unsafe extern "C" fn x_lock<W>(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    unsafe { forward!(W, f, xLock, ffi::SQLITE_IOERR_LOCK, level) }
}
pub unsafe extern "C" fn x_unlock<W>(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    unsafe { forward!(W, f, xUnlock, ffi::SQLITE_IOERR_UNLOCK, level) }
}
pub unsafe extern "C" fn x_check_reserved_lock<W>(f: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    unsafe { forward!(W, f, xCheckReservedLock, ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, out) }
}
pub unsafe extern "C" fn x_file_control<W>(f: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    unsafe { forward!(W, f, xFileControl, ffi::SQLITE_NOTFOUND, op, arg) }
}
pub unsafe extern "C" fn x_sector_size<W>(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe { forward!(W, f, xSectorSize, 4096) }
}
pub unsafe extern "C" fn x_device_characteristics<W>(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe { forward!(W, f, xDeviceCharacteristics, 0) }
}
pub unsafe extern "C" fn x_shm_map<W>(f: *mut ffi::sqlite3_file, pg: c_int, sz: c_int, extend: c_int, pp: *mut *mut c_void) -> c_int {
    unsafe { forward!(W, f, xShmMap, ffi::SQLITE_IOERR_SHMMAP, pg, sz, extend, pp) }
}
pub unsafe extern "C" fn x_shm_lock<W>(f: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    unsafe { forward!(W, f, xShmLock, ffi::SQLITE_IOERR_SHMLOCK, offset, n, flags) }
}
pub unsafe extern "C" fn x_shm_barrier<W>(f: *mut ffi::sqlite3_file) {
    unsafe { forward!(W, f, xShmBarrier, ()) }
}
pub unsafe extern "C" fn x_shm_unmap<W>(f: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    unsafe { forward!(W, f, xShmUnmap, ffi::SQLITE_OK, delete) }
}
/// No memory-mapped pages: every byte SQLite reads goes through the shim's
/// `xRead` (sealed pages would be ciphertext; held writes would be missed).
pub unsafe extern "C" fn x_fetch(_: *mut ffi::sqlite3_file, _: ffi::sqlite3_int64, _: c_int, pp: *mut *mut c_void) -> c_int {
    unsafe { *pp = std::ptr::null_mut() };
    ffi::SQLITE_OK
}
pub unsafe extern "C" fn x_unfetch(_: *mut ffi::sqlite3_file, _: ffi::sqlite3_int64, _: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

// The VFS-level calls. Safety (all): `vfs` is a shim whose `pAppData` is
// the platform VFS.

pub unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync: c_int) -> c_int {
    unsafe { (*root(vfs)).xDelete.map_or(ffi::SQLITE_IOERR_DELETE, |m| m(root(vfs), name, sync)) }
}
pub unsafe extern "C" fn x_access(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, flags: c_int, out: *mut c_int) -> c_int {
    unsafe { (*root(vfs)).xAccess.map_or(ffi::SQLITE_IOERR_ACCESS, |m| m(root(vfs), name, flags, out)) }
}
pub unsafe extern "C" fn x_full_pathname(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, n: c_int, out: *mut c_char) -> c_int {
    unsafe { (*root(vfs)).xFullPathname.map_or(ffi::SQLITE_CANTOPEN, |m| m(root(vfs), name, n, out)) }
}
pub unsafe extern "C" fn x_randomness(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    unsafe { (*root(vfs)).xRandomness.map_or(0, |m| m(root(vfs), n, out)) }
}
pub unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    unsafe { (*root(vfs)).xSleep.map_or(0, |m| m(root(vfs), micros)) }
}
pub unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    unsafe { (*root(vfs)).xCurrentTime.map_or(ffi::SQLITE_ERROR, |m| m(root(vfs), out)) }
}
pub unsafe extern "C" fn x_get_last_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    unsafe { (*root(vfs)).xGetLastError.map_or(0, |m| m(root(vfs), n, out)) }
}
pub unsafe extern "C" fn x_current_time_int64(vfs: *mut ffi::sqlite3_vfs, out: *mut ffi::sqlite3_int64) -> c_int {
    unsafe { (*root(vfs)).xCurrentTimeInt64.map_or(ffi::SQLITE_ERROR, |m| m(root(vfs), out)) }
}

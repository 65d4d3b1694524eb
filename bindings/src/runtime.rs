//! The one tokio runtime of the library, and how exported `async fn`s run
//! on it: sync (network I/O) as tasks, photo processing (CPU) on its
//! blocking pool. Also the [`CancellationToken`] apps pass to long calls.
//!
//! Why a runtime of our own rather than uniffi's `async_runtime = "tokio"`:
//! that attribute wraps each future in `async_compat`, which lazily starts
//! a hidden runtime of its own with default sizing; the core's sync client
//! needs tokio's I/O and timers, and photo capture needs a bounded blocking
//! pool. Owning one runtime makes the thread count (what a phone pays for)
//! explicit and gives both the same place to run.
//!
//! How a call flows: the generated Kotlin/Swift/Python code polls the
//! future uniffi hands it from its own executor (a coroutine, a Swift task,
//! asyncio). That future only awaits a [`tokio::task::JoinHandle`]; the
//! work itself runs on this runtime, so it never depends on which thread
//! or executor polls it. If the foreign side abandons the call (a cancelled
//! coroutine or task drops the future), a drop guard cancels the work's
//! token, so a sync does not keep running for nobody.

use crate::errors::{FfiResult, RedlineError, log_failure, panic_message};
use std::future::Future;
use std::sync::{Arc, OnceLock};
use tokio::runtime::Runtime;

/// Worker threads: sync is I/O-bound and a phone has few cores to spare; two
/// keep a progress callback or a slow store step from stalling the HTTP
/// side.
const WORKER_THREADS: usize = 2;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The runtime, started on first use (an app that never syncs or captures
/// never pays for its threads).
fn runtime() -> FfiResult<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("redline-async")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| RedlineError::Internal { detail: format!("the async runtime could not start: {e}") })
}

/// Lets an app cancel a sync or a photo download it started: pass it to the
/// call, then `cancel()` from anywhere (a Cancel button, leaving the
/// screen). The call ends with `RedlineError.Cancelled`; what was already
/// applied stays applied and the next sync resumes from there.
///
/// One token may be passed to several calls and cancels them all. A
/// cancelled token stays cancelled: make a new one for the next call.
#[derive(uniffi::Object, Default)]
pub struct CancellationToken {
    pub(crate) token: tokio_util::sync::CancellationToken,
}

#[uniffi::export]
impl CancellationToken {
    /// A token that is not cancelled yet.
    #[uniffi::constructor]
    pub fn new() -> Arc<CancellationToken> {
        Arc::new(CancellationToken::default())
    }

    /// Cancels every call this token was passed to, now or later. Calling it
    /// again does nothing.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Runs `work` as a task on the runtime and returns its result.
///
/// `work` receives a token of its own: a child of the app's token (so the
/// app's `cancel()` reaches it) that is also cancelled when the foreign
/// side drops this future. A child, not the app's token itself, so that one
/// call ending never cancels another call sharing the app's token.
///
/// A panic inside the task becomes [`RedlineError::Internal`] (tokio
/// catches it at the task boundary), and a failure is logged once, as
/// `errors::guard` does for the blocking calls.
pub(crate) async fn spawn<T, F, Fut>(call: &'static str, cancel: Option<Arc<CancellationToken>>, work: F) -> FfiResult<T>
where
    T: Send + 'static,
    F: FnOnce(tokio_util::sync::CancellationToken) -> Fut,
    Fut: Future<Output = FfiResult<T>> + Send + 'static,
{
    let token = cancel.map(|c| c.token.child_token()).unwrap_or_default();
    // Dropped when this future completes or is dropped unfinished; in the
    // first case the work is over and cancelling its token changes nothing.
    let _abandoned = token.clone().drop_guard();
    let outcome = match runtime() {
        Ok(rt) => joined(call, rt.spawn(work(token)).await),
        Err(e) => Err(e),
    };
    log_failure(call, &outcome);
    outcome
}

/// Runs CPU-bound `work` on the runtime's blocking pool, so no foreign
/// thread (a UI thread least of all) and no async worker blocks on it.
pub(crate) async fn blocking<T, F>(call: &'static str, work: F) -> FfiResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> FfiResult<T> + Send + 'static,
{
    let outcome = match runtime() {
        Ok(rt) => joined(call, rt.spawn_blocking(work).await),
        Err(e) => Err(e),
    };
    log_failure(call, &outcome);
    outcome
}

/// A task's result, with a panic turned into `Internal`.
fn joined<T>(call: &'static str, result: Result<FfiResult<T>, tokio::task::JoinError>) -> FfiResult<T> {
    match result {
        Ok(outcome) => outcome,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            Err(RedlineError::Internal { detail: format!("{call} panicked: {}", panic_message(payload.as_ref())) })
        }
        // Only a runtime shutting down aborts tasks, and ours lives as long
        // as the process.
        Err(e) => Err(RedlineError::Cancelled { detail: format!("{call}: {e}") }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        // A plain executor stands in for the foreign one: the work must not
        // depend on being polled from inside tokio.
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn a_panicking_task_becomes_internal() {
        let out: FfiResult<()> = block_on(spawn("probe", None, |_| async { panic!("boom") }));
        assert!(matches!(out, Err(RedlineError::Internal { detail }) if detail == "probe panicked: boom"));
        let out: FfiResult<()> = block_on(blocking("probe", || panic!("cpu")));
        assert!(matches!(out, Err(RedlineError::Internal { .. })));
    }

    #[test]
    fn the_app_token_reaches_the_work_but_one_call_ending_does_not_cancel_it() {
        let app = CancellationToken::new();
        let seen = block_on(spawn("first", Some(app.clone()), |t| async move { Ok(t.is_cancelled()) }));
        assert_eq!(seen, Ok(false));
        assert!(!app.is_cancelled(), "the finished call cancelled the shared token");
        app.cancel();
        let seen = block_on(spawn("second", Some(app), |t| async move { Ok(t.is_cancelled()) }));
        assert_eq!(seen, Ok(true));
    }
}

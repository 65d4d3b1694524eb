//! How long a feed read waits for the horizon (see the crate doc).
//!
//! A reader that finds rows committed above the horizon waits for the
//! horizon to pass those rows, the ones it saw, not whatever commits after
//! them: under a steady stream of uploads there is always a newer commit
//! in flight, and chasing the newest row would make every read wait the
//! whole [`CATCH_UP`](crate::CATCH_UP).

use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// The first pause while catching up; each next one doubles, to at most
/// [`POLL_MAX`].
const POLL: Duration = Duration::from_millis(2);
const POLL_MAX: Duration = Duration::from_millis(50);

/// The horizon once it reaches `newest` as read together with it by the
/// first `probe`, or the last horizon read when `patience` runs out.
/// `probe` reads (horizon, newest committed position) at one moment.
pub(crate) async fn settled_horizon<F, Fut, E>(mut probe: F, patience: Duration) -> Result<i64, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(i64, i64), E>>,
{
    let deadline = Instant::now() + patience;
    let (mut horizon, target) = probe().await?;
    let mut pause = POLL;
    while horizon < target && Instant::now() + pause <= deadline {
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(POLL_MAX);
        horizon = probe().await?.0;
    }
    Ok(horizon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::convert::Infallible;

    /// A probe answering `reads` in turn (the last one again once they run
    /// out), counting its calls.
    fn scripted(reads: &[(i64, i64)]) -> (RefCell<usize>, Vec<(i64, i64)>) {
        (RefCell::new(0), reads.to_vec())
    }

    async fn run(reads: &[(i64, i64)], patience: Duration) -> (i64, usize) {
        let (calls, reads) = scripted(reads);
        let probe = || {
            let mut n = calls.borrow_mut();
            let read = reads[(*n).min(reads.len() - 1)];
            *n += 1;
            async move { Ok::<_, Infallible>(read) }
        };
        let horizon = settled_horizon(probe, patience).await.unwrap();
        (horizon, calls.into_inner())
    }

    #[tokio::test(start_paused = true)]
    async fn a_settled_feed_answers_at_once() {
        assert_eq!(run(&[(10, 10)], Duration::from_secs(2)).await, (10, 1));
        assert_eq!(run(&[(12, 10)], Duration::from_secs(2)).await, (12, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_reader_waits_for_the_rows_it_saw_not_for_newer_commits() {
        // Every read finds newer rows above the horizon (a steady storm);
        // the horizon passes the first read's newest row at the third read.
        let storm = [(5, 10), (8, 14), (11, 18), (15, 22), (19, 26)];
        let started = Instant::now();
        assert_eq!(run(&storm, Duration::from_secs(2)).await, (11, 3));
        assert!(started.elapsed() < Duration::from_millis(10), "waited {:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_horizon_held_back_answers_what_is_settled_when_patience_runs_out() {
        let started = Instant::now();
        let (horizon, calls) = run(&[(5, 10), (6, 12)], Duration::from_secs(2)).await;
        assert_eq!(horizon, 6);
        assert!(calls > 2, "it kept reading while it waited");
        let waited = started.elapsed();
        assert!(waited <= Duration::from_secs(2) && waited > Duration::from_millis(1900), "waited {waited:?}");
    }
}

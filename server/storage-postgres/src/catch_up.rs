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

/// The horizon once it reaches the newest position `first` read together
/// with it, or the last horizon `poll` read when `patience` runs out.
/// `first` reads (horizon, newest committed position) at one moment; `poll`
/// reads the horizon alone.
pub(crate) async fn settled_horizon<F, Fut, E>(
    first: impl Future<Output = Result<(i64, i64), E>>,
    mut poll: F,
    patience: Duration,
) -> Result<i64, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<i64, E>>,
{
    let deadline = Instant::now() + patience;
    let (mut horizon, target) = first.await?;
    let mut pause = POLL;
    while horizon < target && Instant::now() + pause <= deadline {
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(POLL_MAX);
        horizon = poll().await?;
    }
    Ok(horizon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::convert::Infallible;

    /// Reads `first`, then polls answering `horizons` in turn (the last
    /// one again once they run out); the horizon and the number of reads.
    async fn run(first: (i64, i64), horizons: &[i64], patience: Duration) -> (i64, usize) {
        let polls = Cell::new(0);
        let poll = || {
            let n = polls.get();
            polls.set(n + 1);
            let horizon = horizons[n.min(horizons.len() - 1)];
            async move { Ok::<_, Infallible>(horizon) }
        };
        let horizon = settled_horizon(async { Ok(first) }, poll, patience).await.unwrap();
        (horizon, 1 + polls.get())
    }

    #[tokio::test(start_paused = true)]
    async fn a_settled_feed_answers_at_once() {
        assert_eq!(run((10, 10), &[0], Duration::from_secs(2)).await, (10, 1));
        assert_eq!(run((12, 10), &[0], Duration::from_secs(2)).await, (12, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_reader_waits_for_the_rows_it_saw_not_for_newer_commits() {
        // Newer rows keep arriving above the horizon (a steady storm: the
        // newest position read again would always be ahead of it); the
        // horizon passes the first read's newest row at the third read.
        let started = Instant::now();
        assert_eq!(run((5, 10), &[8, 11, 15, 19], Duration::from_secs(2)).await, (11, 3));
        assert!(started.elapsed() < Duration::from_millis(10), "waited {:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_horizon_held_back_answers_what_is_settled_when_patience_runs_out() {
        let started = Instant::now();
        let (horizon, calls) = run((5, 10), &[6], Duration::from_secs(2)).await;
        assert_eq!(horizon, 6);
        assert!(calls > 2, "it kept reading while it waited");
        let waited = started.elapsed();
        assert!(waited <= Duration::from_secs(2) && waited > Duration::from_millis(1900), "waited {waited:?}");
    }
}

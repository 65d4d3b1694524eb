//! The feed without a lock around commits: a commit still in flight holds
//! the horizon back, so a reader never moves its cursor past a row that
//! commits later, and commits to different documents do not wait for each
//! other (under the old database-wide feed lock the second commit here
//! would hang).
//!
//! A real storage commit is held inside its transaction, after it has its
//! transaction id: a trigger in the test's schema makes inserts of change
//! rows for documents named `slow…` take a shared advisory lock the test
//! holds. Waits are for conditions PostgreSQL reports (a session waiting
//! for a lock, the horizon moving), each bounded so a regression fails
//! rather than hangs. Reading the horizon while a commit is held waits
//! [`redline_storage_postgres::CATCH_UP`] before it answers.
//!
//! Skipped with a message when PostgreSQL is unreachable, except under CI.

use redline_domain::doc::DocKind;
use redline_storage::{CommitOutcome, DocWrite, FeedPosition, FeedRow, Scope, Storage};
use redline_storage_postgres::PgStorage;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{Client, NoTls};

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Longest any one step may take before the test fails.
const BOUND: Duration = Duration::from_secs(10);

/// How often a wait asks PostgreSQL again.
const POLL: Duration = Duration::from_millis(5);

/// A storage on its own schema whose `slow…` commits stop at `gate`, and a
/// connection of the test's own that holds the gate.
struct Bench {
    storage: Arc<PgStorage>,
    admin: Client,
    schema: String,
    /// The advisory lock key `slow…` commits wait for. Advisory locks are
    /// per database, not per schema, so each bench has its own.
    gate: i64,
}

impl Bench {
    async fn new() -> Option<Bench> {
        let (admin, connection) = match tokio_postgres::connect(PG_URL, NoTls).await {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_some() => panic!("PostgreSQL is required under CI: {e}"),
            Err(e) => {
                eprintln!("skipping: PostgreSQL at {PG_URL} is not reachable ({e})");
                return None;
            }
        };
        tokio::spawn(connection);
        let id = uuid::Uuid::new_v4();
        let schema = format!("t_{}", id.simple());
        let gate = id.as_u64_pair().0 as i64;
        let storage = Arc::new(PgStorage::connect(PG_URL, Some(&schema)).await.expect("storage"));
        admin
            .batch_execute(&format!(
                "CREATE FUNCTION {schema}.hold_slow_changes() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     IF NEW.doc_id LIKE 'slow%' THEN PERFORM pg_advisory_xact_lock_shared({gate}); END IF;
                     RETURN NEW;
                 END $$;
                 CREATE TRIGGER hold_slow_changes BEFORE INSERT ON {schema}.changes
                     FOR EACH ROW EXECUTE FUNCTION {schema}.hold_slow_changes();"
            ))
            .await
            .expect("trigger");
        Some(Bench { storage, admin, schema, gate })
    }

    async fn close_gate(&self) {
        self.admin.execute("SELECT pg_advisory_lock($1)", &[&self.gate]).await.expect("lock");
    }

    async fn open_gate(&self) {
        let released: bool = self.admin.query_one("SELECT pg_advisory_unlock($1)", &[&self.gate]).await.expect("unlock").get(0);
        assert!(released, "the test held the gate");
    }

    /// Starts committing `id` in the background.
    fn spawn_commit(&self, id: &str) -> tokio::task::JoinHandle<CommitOutcome> {
        let (storage, write) = (self.storage.clone(), write(id));
        tokio::spawn(async move { storage.commit(&write).await.expect("commit") })
    }

    /// Commits `id`, failing the test if it has to wait for another commit.
    async fn commit_promptly(&self, id: &str) -> CommitOutcome {
        let write = write(id);
        tokio::time::timeout(BOUND, self.storage.commit(&write))
            .await
            .unwrap_or_else(|_| panic!("committing {id} waited for another commit"))
            .expect("commit")
    }

    /// Waits until a commit is stopped at the gate; returns its session.
    async fn stopped_at_gate(&self) -> i32 {
        let (high, low) = ((self.gate >> 32) as u32, self.gate as u32);
        let query = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                     AND classid::text::bigint = $1 AND objid::text::bigint = $2 AND objsubid = 1";
        let found = || async move {
            let rows = self.admin.query(query, &[&i64::from(high), &i64::from(low)]).await.expect("pg_locks");
            rows.first().map(|r| r.get::<_, i32>(0))
        };
        until(found, "a commit stopped at the gate").await
    }

    /// Waits until some session waits for session `pid`.
    async fn someone_waits_for(&self, pid: i32) {
        let query = "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid)))";
        let found = || async move { self.admin.query_one(query, &[&pid]).await.expect("pg_blocking_pids").get::<_, bool>(0).then_some(()) };
        until(found, "a commit waiting for the stopped one").await
    }

    /// Waits until the horizon has reached `pos`; returns it.
    async fn horizon_reaches(&self, pos: i64) -> i64 {
        let found = || async move { Some(self.storage.feed_horizon().await.expect("horizon")).filter(|h| *h >= pos) };
        until(found, "the horizon passing every commit").await
    }

    /// Every committed row, horizon or not: what a reader will get.
    async fn committed(&self) -> Vec<FeedRow> {
        self.storage.feed(&everywhere(), FeedPosition::START, i64::MAX, "", i64::MAX).await.expect("feed")
    }

    async fn drop_schema(self) {
        self.admin.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema)).await.expect("drop schema");
    }
}

/// Asks `check` until it answers, within [`BOUND`].
async fn until<T, F, Fut>(check: F, what: &str) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let ask = async {
        loop {
            if let Some(found) = check().await {
                return found;
            }
            tokio::time::sleep(POLL).await;
        }
    };
    tokio::time::timeout(BOUND, ask).await.unwrap_or_else(|_| panic!("waited in vain for {what}"))
}

fn everywhere() -> Scope {
    Scope { areas: vec![String::new()], sites: vec![] }
}

/// A new document with two changes, so one commit writes two feed rows.
fn write(id: &str) -> DocWrite {
    DocWrite {
        id: id.into(),
        kind: DocKind::Hazard,
        site_id: "site-1".into(),
        area: "zj/hz/xh/c01".into(),
        snapshot: vec![0],
        expected_version: None,
        changes: vec![(format!("{id}-1"), vec![1]), (format!("{id}-2"), vec![2])],
        device_id: "dev-1".into(),
        blob_refs: vec![],
        read_rows: vec![],
    }
}

fn docs(rows: &[FeedRow]) -> Vec<&str> {
    rows.iter().map(|r| r.doc_id.as_str()).collect()
}

#[tokio::test]
async fn a_commit_in_flight_holds_the_horizon_back_and_nothing_is_skipped() {
    let Some(bench) = Bench::new().await else { return };
    bench.close_gate().await;
    let slow = bench.spawn_commit("slow-1");
    bench.stopped_at_gate().await;

    // Started later, so a higher transaction id; committed first.
    assert_eq!(bench.commit_promptly("fast-1").await, CommitOutcome::Committed);
    let fast = bench.committed().await;
    assert_eq!(docs(&fast), ["fast-1", "fast-1"], "committed and visible");
    assert_eq!(fast[0].pos, fast[1].pos, "one commit, one position");
    assert!(fast[0].seq < fast[1].seq, "its rows in order within it");

    let horizon = bench.storage.feed_horizon().await.unwrap();
    let first_read = bench.storage.feed(&everywhere(), FeedPosition::START, horizon, "", i64::MAX).await.unwrap();
    assert!(docs(&first_read).is_empty(), "nothing may be read past the commit still running: {:?}", docs(&first_read));
    let cursor = FeedPosition::through(horizon);
    assert!(cursor < fast[0].position(), "the cursor stays below the visible row, {cursor:?} vs {:?}", fast[0].position());

    bench.open_gate().await;
    assert_eq!(tokio::time::timeout(BOUND, slow).await.expect("the slow commit ends").unwrap(), CommitOutcome::Committed);
    let all = bench.committed().await;
    assert_eq!(docs(&all), ["slow-1", "slow-1", "fast-1", "fast-1"], "the slow commit sits below the fast one");
    let horizon = bench.horizon_reaches(all.last().unwrap().pos).await;
    let read_on = bench.storage.feed(&everywhere(), cursor, horizon, "", i64::MAX).await.unwrap();
    assert_eq!(docs(&read_on), docs(&all), "reading on from the cursor skips nothing");
    bench.drop_schema().await;
}

#[tokio::test]
async fn a_reader_waits_for_the_horizon_to_pass_rows_already_committed() {
    let Some(bench) = Bench::new().await else { return };
    bench.close_gate().await;
    let slow = bench.spawn_commit("slow-3");
    bench.stopped_at_gate().await;
    assert_eq!(bench.commit_promptly("fast-3").await, CommitOutcome::Committed);
    let storage = bench.storage.clone();
    let mut reader = tokio::spawn(async move { storage.feed_horizon().await.expect("horizon") });
    let while_held = redline_storage_postgres::CATCH_UP / 4;
    assert!(tokio::time::timeout(while_held, &mut reader).await.is_err(), "the reader waits while the commit is held");

    bench.open_gate().await;
    let horizon = tokio::time::timeout(BOUND, reader).await.expect("the reader answers").unwrap();
    let newest = bench.committed().await.last().expect("rows").pos;
    assert!(horizon >= newest, "the reader waited for the held commit: horizon {horizon}, newest row {newest}");
    assert_eq!(slow.await.unwrap(), CommitOutcome::Committed);
    bench.drop_schema().await;
}

#[tokio::test]
async fn a_commit_waits_only_for_commits_to_its_own_document() {
    let Some(bench) = Bench::new().await else { return };
    bench.close_gate().await;
    let slow = bench.spawn_commit("slow-2");
    let stopped = bench.stopped_at_gate().await;
    // The same new document again: it waits on the first one's row.
    let again = bench.spawn_commit("slow-2");
    bench.someone_waits_for(stopped).await;

    for other in ["fast-2a", "fast-2b"] {
        assert_eq!(bench.commit_promptly(other).await, CommitOutcome::Committed);
    }
    assert!(!slow.is_finished() && !again.is_finished(), "both writes of slow-2 are still waiting");

    bench.open_gate().await;
    let ended = |task: tokio::task::JoinHandle<CommitOutcome>| async move {
        tokio::time::timeout(BOUND, task).await.expect("a commit of slow-2 ends").unwrap()
    };
    assert_eq!(ended(slow).await, CommitOutcome::Committed);
    assert_eq!(ended(again).await, CommitOutcome::Stale, "the second write of slow-2 merges again on the first");
    let all = bench.committed().await;
    assert_eq!(docs(&all), ["slow-2", "slow-2", "fast-2a", "fast-2a", "fast-2b", "fast-2b"]);
    bench.drop_schema().await;
}

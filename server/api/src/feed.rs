//! The download half of a sync: what a device gets, page by page.
//!
//! A device new to the server (empty cursor, or a cursor from another
//! scope) first receives a saved snapshot of every document in its scope —
//! the most compact form there is — then follows the change feed from the
//! horizon read before the snapshots started, so nothing committed
//! meanwhile is missed. The cursor is opaque to devices:
//! `1:<scope>:s:<upto>:<last id>` during snapshots, `1:<scope>:f:<pos>.<seq>`
//! after: the feed position of the last row sent (a page may end inside
//! one commit's rows), or `(horizon, i64::MAX)` at the end of the feed.
//! Cursors of older servers, `1:<scope>:f:<n>`, still read as "everything
//! at or below `n` seen".

use crate::error::ApiError;
use crate::state::AppState;
use redline_domain::sync::wire::DocData;
use redline_storage::{FeedPosition, Principal};
use std::collections::HashMap;

const SNAPSHOT_BATCH: i64 = 200;
const FEED_BATCH: i64 = 1000;

#[derive(Clone, Debug, PartialEq)]
enum Cursor {
    Snapshots { upto: i64, after_id: String },
    Feed { at: FeedPosition },
}

fn parse(text: &str, scope: &str) -> Option<Cursor> {
    let mut parts = text.splitn(5, ':');
    if parts.next()? != "1" || parts.next()? != scope {
        return None;
    }
    match parts.next()? {
        "s" => Some(Cursor::Snapshots { upto: parts.next()?.parse().ok()?, after_id: parts.next().unwrap_or("").to_string() }),
        "f" => Some(Cursor::Feed { at: parse_position(parts.next()?)? }),
        _ => None,
    }
}

/// `<pos>.<seq>`, or an older server's `<n>`: everything at or below `n`.
fn parse_position(text: &str) -> Option<FeedPosition> {
    match text.split_once('.') {
        Some((pos, seq)) => Some(FeedPosition { pos: pos.parse().ok()?, seq: seq.parse().ok()? }),
        None => Some(FeedPosition::through(text.parse().ok()?)),
    }
}

fn format(c: &Cursor, scope: &str) -> String {
    match c {
        Cursor::Snapshots { upto, after_id } => format!("1:{scope}:s:{upto}:{after_id}"),
        Cursor::Feed { at } => format!("1:{scope}:f:{}.{}", at.pos, at.seq),
    }
}

/// One page of downloads: the documents, the next cursor, and whether more
/// is waiting.
pub struct Page {
    pub docs: Vec<DocData>,
    pub cursor: String,
    pub more: bool,
}

pub async fn page(state: &AppState, who: &Principal, cursor: &str, budget: usize) -> Result<Page, ApiError> {
    let fp = who.scope.fingerprint();
    let mut at = match parse(cursor, &fp) {
        Some(c) => c,
        // New device, new scope, or a cursor we cannot read: start over.
        // Everything sent is idempotent to apply, so this is always safe.
        None => Cursor::Snapshots { upto: state.storage.feed_horizon().await?, after_id: String::new() },
    };
    let mut docs: Vec<DocData> = vec![];
    let mut used = 0usize;
    if let Cursor::Snapshots { upto, after_id } = &at {
        let (upto, mut after_id) = (*upto, after_id.clone());
        loop {
            let batch = state.storage.snapshots(&who.scope, &after_id, SNAPSHOT_BATCH).await?;
            let full = batch.len() as i64 == SNAPSHOT_BATCH;
            for (id, kind, bytes) in batch {
                if used > 0 && used + bytes.len() > budget {
                    return Ok(Page { docs, cursor: format(&Cursor::Snapshots { upto, after_id }, &fp), more: true });
                }
                used += bytes.len();
                after_id = id.clone();
                docs.push(DocData { doc_id: id, kind: kind.as_str().into(), bytes });
            }
            if !full {
                break;
            }
        }
        at = Cursor::Feed { at: FeedPosition::through(upto) };
    }
    let Cursor::Feed { at: from } = at else { unreachable!("snapshot phase ends in the feed") };
    // The horizon before the rows: every row at or below it is visible to
    // the read that follows, or never will be written.
    let horizon = state.storage.feed_horizon().await?;
    let rows = state.storage.feed(&who.scope, from, horizon, &who.device_id, FEED_BATCH).await?;
    let full = rows.len() as i64 == FEED_BATCH;
    let mut last = from;
    // Where each document already is in `docs`: a page of a shared scope
    // holds a thousand rows of a few hundred documents.
    let mut at_index: HashMap<String, usize> = docs.iter().enumerate().map(|(i, d)| (d.doc_id.clone(), i)).collect();
    for row in rows {
        if used > 0 && used + row.bytes.len() > budget {
            return Ok(Page { docs, cursor: format(&Cursor::Feed { at: last }, &fp), more: true });
        }
        used += row.bytes.len();
        last = row.position();
        match at_index.get(&row.doc_id) {
            Some(&i) => docs[i].bytes.extend_from_slice(&row.bytes),
            None => {
                at_index.insert(row.doc_id.clone(), docs.len());
                docs.push(DocData { doc_id: row.doc_id, kind: row.kind.as_str().into(), bytes: row.bytes });
            }
        }
    }
    let next = if full { last } else { end_of_feed(from, horizon) };
    Ok(Page { docs, cursor: format(&Cursor::Feed { at: next }, &fp), more: full })
}

/// Where a reader at `from` stands once it has every row up to `horizon`.
/// Never behind `from`: just after PostgreSQL's migration 8, while a
/// transaction older than it still runs, the horizon can trail the old
/// cursors, and moving back would only send rows again.
fn end_of_feed(from: FeedPosition, horizon: i64) -> FeedPosition {
    FeedPosition::through(horizon).max(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_other_scopes() {
        let s = Cursor::Snapshots { upto: 42, after_id: "abc-def".into() };
        assert_eq!(parse(&format(&s, "fp1"), "fp1"), Some(s.clone()));
        assert_eq!(parse(&format(&s, "fp1"), "fp2"), None);
        for at in [FeedPosition { pos: 7, seq: 3 }, FeedPosition::through(7), FeedPosition::START] {
            let f = Cursor::Feed { at };
            assert_eq!(parse(&format(&f, "fp1"), "fp1"), Some(f));
        }
        assert_eq!(format(&Cursor::Feed { at: FeedPosition { pos: 7, seq: 3 } }, "fp1"), "1:fp1:f:7.3");
        for junk in ["", "garbage", "1:fp1:x:1", "1:fp1:f:notanumber", "2:fp1:f:1", "1:fp1:f:7.", "1:fp1:f:.3", "1:fp1:f:7.3.1"] {
            assert_eq!(parse(junk, "fp1"), None, "{junk}");
        }
    }

    #[test]
    fn an_older_servers_feed_cursor_means_everything_up_to_it_seen() {
        assert_eq!(parse("1:fp1:f:42", "fp1"), Some(Cursor::Feed { at: FeedPosition { pos: 42, seq: i64::MAX } }));
        assert_eq!(parse("1:fp1:f:42", "fp2"), None);
    }

    #[test]
    fn the_end_of_the_feed_never_moves_a_cursor_back() {
        let mid_commit = FeedPosition { pos: 9, seq: 40 };
        assert_eq!(end_of_feed(mid_commit, 12), FeedPosition::through(12));
        assert_eq!(end_of_feed(mid_commit, 8), mid_commit);
        assert_eq!(end_of_feed(FeedPosition::through(9), 9), FeedPosition::through(9));
    }
}

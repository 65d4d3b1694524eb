//! The download half of a sync: what a device gets, page by page.
//!
//! A device new to the server (empty cursor, or a cursor from another
//! scope) first receives a saved snapshot of every document in its scope —
//! the most compact form there is — then follows the change feed from the
//! sequence number read before the snapshots started, so nothing committed
//! meanwhile is missed. The cursor is opaque to devices:
//! `1:<scope>:s:<upto>:<last id>` during snapshots, `1:<scope>:f:<seq>` after.

use crate::error::ApiError;
use crate::state::AppState;
use redline_domain::sync::wire::DocData;
use redline_storage::Principal;

const SNAPSHOT_BATCH: i64 = 200;
const FEED_BATCH: i64 = 1000;

#[derive(Clone, Debug, PartialEq)]
enum Cursor {
    Snapshots { upto: i64, after_id: String },
    Feed { seq: i64 },
}

fn parse(text: &str, scope: &str) -> Option<Cursor> {
    let mut parts = text.splitn(5, ':');
    if parts.next()? != "1" || parts.next()? != scope {
        return None;
    }
    match parts.next()? {
        "s" => Some(Cursor::Snapshots { upto: parts.next()?.parse().ok()?, after_id: parts.next().unwrap_or("").to_string() }),
        "f" => Some(Cursor::Feed { seq: parts.next()?.parse().ok()? }),
        _ => None,
    }
}

fn format(c: &Cursor, scope: &str) -> String {
    match c {
        Cursor::Snapshots { upto, after_id } => format!("1:{scope}:s:{upto}:{after_id}"),
        Cursor::Feed { seq } => format!("1:{scope}:f:{seq}"),
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
        None => Cursor::Snapshots { upto: state.storage.max_seq().await?, after_id: String::new() },
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
        at = Cursor::Feed { seq: upto };
    }
    let Cursor::Feed { seq } = at else { unreachable!("snapshot phase ends in the feed") };
    // Read the end of the feed first: rows committed later get higher numbers.
    let end = state.storage.max_seq().await?;
    let rows = state.storage.feed(&who.scope, seq, end, &who.device_id, FEED_BATCH).await?;
    let full = rows.len() as i64 == FEED_BATCH;
    let mut last = seq;
    for row in rows {
        if used > 0 && used + row.bytes.len() > budget {
            return Ok(Page { docs, cursor: format(&Cursor::Feed { seq: last }, &fp), more: true });
        }
        used += row.bytes.len();
        last = row.seq;
        match docs.iter_mut().find(|d| d.doc_id == row.doc_id) {
            Some(d) => d.bytes.extend_from_slice(&row.bytes),
            None => docs.push(DocData { doc_id: row.doc_id, kind: row.kind.as_str().into(), bytes: row.bytes }),
        }
    }
    let next = if full { last } else { end };
    Ok(Page { docs, cursor: format(&Cursor::Feed { seq: next }, &fp), more: full })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_other_scopes() {
        let s = Cursor::Snapshots { upto: 42, after_id: "abc-def".into() };
        assert_eq!(parse(&format(&s, "fp1"), "fp1"), Some(s.clone()));
        assert_eq!(parse(&format(&s, "fp1"), "fp2"), None);
        let f = Cursor::Feed { seq: 7 };
        assert_eq!(parse(&format(&f, "fp1"), "fp1"), Some(f));
        for junk in ["", "garbage", "1:fp1:x:1", "1:fp1:f:notanumber", "2:fp1:f:1"] {
            assert_eq!(parse(junk, "fp1"), None, "{junk}");
        }
    }
}

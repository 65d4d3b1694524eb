//! Document numbers on the server: each inspection's order and re-check
//! get the next number of the issuing office's sequence for the year
//! (`{office}责改〔2026〕12号`) the first time they are printed, and keep it
//! (migration 7, `document_numbers`). A unique index on the sequence makes
//! two printers racing for the same number retry rather than share it.

use crate::context::WebError;
use redline_domain::time::{Date, now_millis};
use redline_reports::{DocumentKind, Issuer};
use redline_storage::Storage;
use redline_storage::sql::Sql;

async fn known(storage: &dyn Storage, id: &str, kind: &str) -> Result<Option<String>, WebError> {
    let mut q = Sql::new(storage.dialect());
    q.push("SELECT number FROM document_numbers WHERE doc_id = ").bind(id).push(" AND kind = ").bind(kind);
    Ok(storage.query(q).await?.first().and_then(|r| r.first()).and_then(|v| v.text()).map(str::to_string))
}

/// The number of inspection `id`'s `kind` document, allocated if new.
pub async fn number(storage: &dyn Storage, office: &str, id: &str, kind: &str) -> Result<String, WebError> {
    if let Some(n) = known(storage, id, kind).await? {
        return Ok(n);
    }
    let (year, _, _) = Date::in_china(now_millis()).ymd();
    let word = if kind == "order" { "责改" } else { "复查" };
    for _ in 0..5 {
        let d = storage.dialect();
        let mut s = Sql::new(d);
        let (office_p, kind_p, year_p) = (s.placeholder(office), s.placeholder(kind), s.placeholder(year));
        let id_p = s.placeholder(id);
        s.push(&format!(
            "INSERT INTO document_numbers (doc_id, kind, office, year, seq, number) \
             SELECT {id_p}, {kind_p}, {office_p}, {year_p}, n, {office_p} || '{word}〔' || CAST({year_p} AS TEXT) || '〕' || CAST(n AS TEXT) || '号' \
             FROM (SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM document_numbers WHERE office = {office_p} AND kind = {kind_p} AND year = {year_p}) nx \
             WHERE TRUE ON CONFLICT (doc_id, kind) DO NOTHING"
        ));
        if storage.execute(vec![s]).await.is_ok()
            && let Some(n) = known(storage, id, kind).await?
        {
            return Ok(n);
        }
    }
    Err(WebError::Internal(format!("no document number could be allocated for {id}")))
}

/// The issuer of inspection `id`'s documents of `kind`.
pub async fn issuer(storage: &dyn Storage, office: &str, id: &str, kind: DocumentKind) -> Result<Issuer, WebError> {
    let mut issuer = Issuer { office: office.into(), ..Default::default() };
    if kind != DocumentKind::InspectionRecord {
        issuer.order_number = number(storage, office, id, "order").await?;
    }
    if kind == DocumentKind::RecheckOpinion {
        issuer.recheck_number = number(storage, office, id, "recheck").await?;
    }
    Ok(issuer)
}

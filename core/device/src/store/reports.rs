//! Enforcement documents printed on the phone, offline: the record, the
//! order and the re-check of an inspection, rendered by `redline-reports`
//! from what the store holds (the inspection, its checklist and site, the
//! hazards its findings registered, photos as the thumbnails on the phone)
//! in the font the app supplies. An order's and a re-check's number is
//! allocated here once per inspection and kept, so a reprint carries the
//! same number; it names the device, so two phones offline never issue the
//! same one.

use super::Store;
use crate::error::{Error, Result};
use crate::time::{Date, now_millis};
use redline_reports::{DocumentKind, Facts, Issuer, Lang, ReportError, ReportFont};
use std::collections::BTreeMap;

impl From<ReportError> for Error {
    fn from(e: ReportError) -> Error {
        match e {
            ReportError::BadFont(m) => Error::InvalidInput(format!("font: {m}")),
            ReportError::NotApplicable(m) => Error::NotAllowed(m),
            ReportError::Pdf(m) => Error::InvalidInput(format!("the document could not be written: {m}")),
        }
    }
}

impl Store {
    /// One document of inspection `id` (or of the inspection hazard `id`
    /// was found in) as PDF bytes. `office` is the issuing office as the
    /// documents name it.
    pub fn render_document(&self, id: &str, kind: DocumentKind, lang: Lang, office: &str, font: &ReportFont) -> Result<Vec<u8>> {
        let id = match self.kinds_of(&[id.to_string()])?.first() {
            Some((_, crate::doc::DocKind::Hazard)) => self.hazard(id)?.header.inspection_id,
            _ => id.to_string(),
        };
        let id = id.as_str();
        let inspection = self.inspection(id)?;
        let h = &inspection.header;
        let template = self.template(&h.template_id, Some(h.template_version)).ok();
        let site = self.site(&h.site_id).ok();
        let hazard_ids: Vec<String> = {
            let r = self.reader()?;
            let mut stmt = r.prepare_cached("SELECT id FROM hazard_index WHERE inspection_id = ?1 ORDER BY found_at, id")?;
            stmt.query_map([id], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?
        };
        let hazards = hazard_ids.iter().map(|hid| self.hazard(hid)).collect::<Result<Vec<_>>>()?;
        let issuer = match kind {
            DocumentKind::InspectionRecord => Issuer { office: office.into(), ..Default::default() },
            _ => Issuer {
                office: office.into(),
                order_number: self.document_number(id, "order", office)?,
                recheck_number: if kind == DocumentKind::RecheckOpinion {
                    self.document_number(id, "recheck", office)?
                } else {
                    String::new()
                },
            },
        };
        let certificates = BTreeMap::new();
        let blobs = |hash: &str| self.blob(hash).ok();
        let facts = Facts {
            inspection: &inspection,
            template: template.as_deref(),
            site: site.as_ref(),
            hazards: &hazards,
            certificates: &certificates,
            blobs: &blobs,
        };
        Ok(redline_reports::render(kind, &facts, &issuer, lang, font)?)
    }

    /// The number of inspection `id`'s `kind` document (`order`,
    /// `recheck`): the one it was given, or the next of this device's
    /// sequence for the year, kept in the same transaction.
    fn document_number(&self, id: &str, kind: &str, office: &str) -> Result<String> {
        let key = format!("docno:{kind}:{id}");
        let mut w = self.writer();
        let tx = w.conn.transaction()?;
        let known = super::sync_apply::get_meta(&tx, &key)?;
        if let Some(n) = known {
            return Ok(n);
        }
        let (year, _, _) = Date::in_china(now_millis()).ymd();
        let counter = format!("docno_seq:{kind}:{year}");
        let last = super::sync_apply::get_meta(&tx, &counter)?;
        let seq = last.and_then(|s| s.parse::<u32>().ok()).unwrap_or(0) + 1;
        let word = if kind == "order" { "责改" } else { "复查" };
        let device: String =
            self.identity().device_id.chars().filter(|c| c.is_ascii_alphanumeric()).take(4).collect::<String>().to_uppercase();
        let number = format!("{office}{word}〔{year}〕{device}-{seq}号");
        super::sync_apply::set_meta(&tx, &counter, &seq.to_string())?;
        super::sync_apply::set_meta(&tx, &key, &number)?;
        tx.commit()?;
        Ok(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::NewFinding;
    use crate::inspection::{AnswerValue, Grade, InspectionKind};
    use crate::store::test_support::store_in;
    use crate::template::AnswerType;

    const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

    fn font() -> Option<ReportFont> {
        match std::fs::read(FONT) {
            Ok(b) => Some(ReportFont::from_bytes(b).unwrap()),
            Err(_) if std::env::var_os("CI").is_some() => panic!("{FONT} is missing: scripts/test-all.sh installs it"),
            Err(_) => None,
        }
    }

    #[test]
    fn documents_render_offline_and_an_order_keeps_its_number() {
        let Some(font) = font() else { return };
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        let i = store.start_inspection("site-1", InspectionKind::RoutinePatrol, "hazardous_chemicals").unwrap();
        let t = store.template("hazardous_chemicals", None).unwrap();
        for (_, item) in t.items() {
            let v = match (&item.answer, item.id.as_str()) {
                (_, "H05") => AnswerValue::Fail,
                (AnswerType::Number { min, .. }, _) => AnswerValue::Number(min.unwrap_or(0.0)),
                _ => AnswerValue::Pass,
            };
            store.answer(&i.id, &item.id, v, None).unwrap();
        }
        let record = store.render_document(&i.id, DocumentKind::InspectionRecord, Lang::Zh, "南湖区应急管理局", &font).unwrap();
        assert!(record.starts_with(b"%PDF"));
        // No hazard yet: there is nothing to order.
        let none = store.render_document(&i.id, DocumentKind::RectificationOrder, Lang::Zh, "南湖区应急管理局", &font);
        assert!(matches!(none, Err(Error::NotAllowed(_))), "{none:?}");
        let finding = NewFinding {
            item_id: Some("H05".into()),
            description: "安全出口堵塞".into(),
            grade: Grade::General,
            location: None,
            deadline: Some(Date::today().add_days(7)),
            responsible: Some("店长".into()),
        };
        let f = store.add_finding(&i.id, finding).unwrap();
        store.attach_photo(&i.id, crate::inspection::PhotoOwner::Finding(f), b"photo bytes", crate::store::PhotoMeta::default()).unwrap();
        let hazards = store.submit(&i.id).unwrap();
        let order = store.render_document(&hazards[0], DocumentKind::RectificationOrder, Lang::Zh, "南湖区应急管理局", &font).unwrap();
        assert!(order.starts_with(b"%PDF"), "a hazard's id prints its inspection's order");
        let number = store.document_number(&i.id, "order", "南湖区应急管理局").unwrap();
        assert!(number.starts_with("南湖区应急管理局责改〔") && number.ends_with("-1号"), "{number}");
        store.render_document(&i.id, DocumentKind::RectificationOrder, Lang::En, "南湖区应急管理局", &font).unwrap();
        assert_eq!(store.document_number(&i.id, "order", "南湖区应急管理局").unwrap(), number, "a reprint keeps the number");
        let missing = store.render_document("no-such-inspection", DocumentKind::InspectionRecord, Lang::Zh, "", &font);
        assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");
    }
}

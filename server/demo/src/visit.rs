//! One demo visit, made as the inspector's phone makes it: the domain's
//! `InspectionDoc` edits (start, place, answers for every visible item,
//! findings on the failed ones with their photos, both signatures, submit)
//! by the phone's own actor, the hazards registered on submit exactly as
//! the phone registers them, then everything uploaded through the merge.

use crate::DemoError;
use crate::phones::Phone;
use crate::photos;
use automerge::AutoCommit;
use redline_api::state::AppState;
use redline_domain::doc::{DocKind, HazardDoc, InspectionDoc, NewFinding};
use redline_domain::hazard::HazardHeader;
use redline_domain::inspection::{AnswerValue, Grade, InspectionHeader, InspectionKind, PhotoOwner, Signature, SignerRole};
use redline_domain::site::Site;
use redline_domain::template::{AnswerType, ChecklistItem, MajorHazard, Template};
use redline_domain::time::{Date, Millis};
use std::collections::BTreeMap;

const MINUTE: Millis = 60_000;

/// A failed item and the finding written for it.
pub struct Fail {
    /// Which failable item of the checklist (see [`failable`]), by position.
    pub nth: usize,
    pub grade: Grade,
    pub description: &'static str,
    pub deadline_days: i64,
    pub photo: Option<&'static str>,
}

pub struct Visit<'a> {
    pub id: &'static str,
    pub site: &'a Site,
    pub template: &'a Template,
    pub kind: InspectionKind,
    pub at: Millis,
    pub fails: Vec<Fail>,
}

/// Items a visit can fail among those `visible`: pass/fail items no
/// condition hangs on; for a major hazard those the determination
/// standards name (or may name), for a general one the others; with no
/// photo at hand, only items that do not ask for one.
pub fn failable<'t>(t: &Template, visible: &[&'t ChecklistItem], grade: Grade, photo: bool) -> Vec<&'t ChecklistItem> {
    let gates: Vec<&str> = t
        .sections
        .iter()
        .flat_map(|s| s.show_if.iter().chain(s.items.iter().flat_map(|i| i.show_if.iter())))
        .map(|c| c.item.as_str())
        .collect();
    visible
        .iter()
        .copied()
        .filter(|i| i.answer == AnswerType::PassFail && !gates.contains(&i.id.as_str()))
        .filter(|i| match grade {
            Grade::Major => i.major_hazard != MajorHazard::No,
            Grade::General => i.major_hazard != MajorHazard::Yes,
        })
        .filter(|i| photo || !i.photo_on_fail)
        .collect()
}

/// A passing answer for `item` on `day`; a choice takes the option named
/// in `prefer` when it has one (a retail point answers "retail").
fn passing(item: &ChecklistItem, day: Date, prefer: &[&str]) -> AnswerValue {
    match &item.answer {
        AnswerType::PassFail => AnswerValue::Pass,
        AnswerType::Number { min, max, .. } => AnswerValue::Number(min.or(*max).unwrap_or(1.0)),
        AnswerType::Text => AnswerValue::Text("现场核查，情况属实".into()),
        AnswerType::Date { .. } => AnswerValue::Date(day.add_days(240)),
        AnswerType::Choice { options, .. } => {
            let pick = options.iter().find(|o| prefer.contains(&o.id.as_str())).or(options.iter().find(|o| !o.fails));
            AnswerValue::Choice(pick.or(options.first()).map(|o| vec![o.id.clone()]).unwrap_or_default())
        }
    }
}

/// The items `doc` shows now, given its answers.
fn visible<'t>(t: &'t Template, doc: &InspectionDoc) -> Result<(Vec<&'t ChecklistItem>, BTreeMap<String, AnswerValue>), DemoError> {
    let values: BTreeMap<String, AnswerValue> = doc.read()?.answers.into_iter().map(|(k, a)| (k, a.value)).collect();
    let refs = values.iter().map(|(k, v)| (k.as_str(), v)).collect();
    Ok((t.visible_items(&refs), values))
}

/// The visit's inspection answered and with its findings, not yet signed
/// or submitted (a co-inspector joins at this point).
pub async fn fill(state: &AppState, phone: &Phone, v: &Visit<'_>) -> Result<InspectionDoc, DemoError> {
    let who = &phone.identity;
    let header = InspectionHeader {
        task_id: None,
        site_id: v.site.id.clone(),
        site_name: v.site.name.clone(),
        kind: v.kind,
        template_id: v.template.id.clone(),
        template_version: v.template.version,
        created_by: who.person(),
        started_at: v.at,
    };
    let mut doc = InspectionDoc::create(v.id, &header, who)?;
    if let Some(p) = v.site.location {
        doc.set_location(who, p, v.at)?;
    }
    let day = Date::in_china(v.at);
    let retail = v.site.categories.contains(&redline_domain::template::SiteCategory::FireworksRetail);
    let prefer: &[&str] = if retail { &["retail"] } else { &[] };
    let mut at = v.at + MINUTE;
    // Everything passes first; answering may reveal conditional items, so
    // answer until none is left open.
    loop {
        let (shown, values) = visible(v.template, &doc)?;
        let open: Vec<&ChecklistItem> = shown.into_iter().filter(|i| !values.contains_key(&i.id)).collect();
        if open.is_empty() {
            break;
        }
        for item in open {
            doc.answer(v.template, who, &item.id, passing(item, day, prefer), None, at)?;
            at += MINUTE / 2;
        }
    }
    // Then what the inspector found wrong.
    let (shown, _) = visible(v.template, &doc)?;
    let mut failing: Vec<(&ChecklistItem, &Fail)> = vec![];
    for f in &v.fails {
        let mut items = failable(v.template, &shown, f.grade, f.photo.is_some());
        items.retain(|i| !failing.iter().any(|(taken, _)| taken.id == i.id));
        let item = items.get(f.nth).ok_or_else(|| DemoError::Setup(format!("{} has no failable item {}", v.template.id, f.nth)))?;
        doc.answer(v.template, who, &item.id, AnswerValue::Fail, Some("现场发现问题，已拍照留证".into()), at)?;
        failing.push((item, f));
    }
    for (item, f) in failing {
        let finding = NewFinding {
            item_id: Some(item.id.clone()),
            description: f.description.into(),
            grade: f.grade,
            location: v.site.location,
            deadline: Some(day.add_days(f.deadline_days)),
            responsible: v.site.contact_name.clone().or(Some("企业负责人".into())),
        };
        let fid = doc.add_finding(v.template, who, finding, at)?;
        if let Some(key) = f.photo {
            let p = photos::photo(state, phone, key, PhotoOwner::Finding(fid), at, v.site.location).await?;
            doc.attach_photo(who, &p, at)?;
        }
        at += MINUTE;
    }
    Ok(doc)
}

/// Both signatures, submit, and the hazards the phone registers for the
/// findings; uploads the inspection and the hazards. Returns hazard ids
/// in the order of the visit's failures.
pub async fn finish(state: &AppState, phone: &Phone, v: &Visit<'_>, mut doc: InspectionDoc) -> Result<Vec<String>, DemoError> {
    let who = &phone.identity;
    let at = v.at + 50 * MINUTE;
    for (role, name, png) in [
        (SignerRole::Inspector, who.name.clone(), photos::SIGN_INSPECTOR),
        (SignerRole::Enterprise, v.site.contact_name.clone().unwrap_or("企业负责人".into()), photos::SIGN_ENTERPRISE),
    ] {
        let image_hash = photos::upload(state, phone, png).await?;
        doc.sign(who, Signature { signer_name: name, role, image_hash, by: who.person(), at }, at)?;
    }
    let inspection = doc.submit(v.template, who, at + MINUTE)?;
    let mut hazards = vec![];
    let mut order: Vec<_> = inspection.findings.values().collect();
    order.sort_by_key(|f| f.at);
    for f in order {
        let photos: Vec<_> = inspection.photos_of(&PhotoOwner::Finding(f.id.clone())).cloned().collect();
        let header = HazardHeader::of_finding(&inspection, f);
        hazards.push(HazardDoc::create(&f.id, &header, &photos, who, at + MINUTE)?);
    }
    phone.upload(state, v.id, DocKind::Inspection, doc.automerge(), &[]).await?;
    let mut ids = vec![];
    for mut h in hazards {
        let id = h.id().to_string();
        phone.upload(state, &id, DocKind::Hazard, h.automerge(), &[]).await?;
        ids.push(id);
    }
    Ok(ids)
}

/// A copy of `doc` on another phone, as a co-inspector's phone holds it
/// after scanning the visit's code and syncing: same history, own actor.
pub fn fork_for(doc: &mut InspectionDoc, phone: &Phone) -> InspectionDoc {
    let mut copy: AutoCommit = doc.automerge().fork();
    copy.set_actor(phone.identity.actor());
    InspectionDoc::from_automerge(doc.id(), copy)
}

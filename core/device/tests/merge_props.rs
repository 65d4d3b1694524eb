//! Convergence of the automerge documents when offline devices merge.
//!
//! Co-inspectors edit one inspection on phones that are out of signal, and
//! a hazard is worked on by the enterprise, the assistant, the inspector and
//! the supervisor from different devices. Whatever order the changes arrive
//! in, every replica must end with the same read model and the same heads,
//! and nothing one device wrote may be lost or shadowed. Properties:
//!
//! (a) 2-4 replicas of one inspection make random valid (and some refused)
//!     edits, with partial syncs in between, then merge in random orders:
//!     identical `read()` and identical heads everywhere;
//! (b) `load(save(doc))` reads the same as `doc`;
//! (c) hazard transitions made on several replicas, merged in different
//!     orders: identical transitions list and folded status everywhere.
//!
//! Deterministic cases cover co-inspectors who both `create` the same
//! inspection offline (the shared skeleton change), a conflicting answer
//! with both authors and its resolution, and a refused edit leaving nothing
//! behind in the document to be merged later.
//!
//! Case counts are kept modest so the file runs in seconds in debug builds.

mod common;

use automerge::transaction::Transactable;
use common::identity;
use proptest::prelude::*;
use redline_device::blob::BlobHash;
use redline_device::doc::{HazardDoc, InspectionDoc, NewFinding};
use redline_device::hazard::{Action, HazardHeader, ListingLevel, TreatmentPlan, fold};
use redline_device::inspection::*;
use redline_device::people::{Identity, Person, Role};
use redline_device::site::GeoPoint;
use redline_device::template::{Template, builtin_template};
use redline_device::time::{Date, Millis};
use redline_domain::{ErrorKind, Result};

const INSPECTION_ID: &str = "5b0f7c1e-2d43-4c4b-9a61-3f0d2b7e9c10";
const HAZARD_ID: &str = "0d9e4a52-8f1b-4a77-b1c3-6e2f5a9d7b34";
/// 2026-03-10 10:00 in China.
const T0: Millis = 1_773_108_000_000;

fn template() -> &'static Template {
    builtin_template("hazardous_chemicals").unwrap()
}

fn day0() -> Date {
    Date::in_china(T0)
}

fn header(created_by: &Identity) -> InspectionHeader {
    InspectionHeader {
        task_id: None,
        site_id: "site-1".into(),
        site_name: "西湖化工仓库".into(),
        kind: InspectionKind::SpecialCampaign,
        template_id: "hazardous_chemicals".into(),
        template_version: template().version,
        created_by: created_by.person(),
        started_at: T0,
    }
}

/// A replica of `bytes` editing as `who`, the way the store sets it up.
fn replica_of(bytes: &[u8], who: &Identity) -> InspectionDoc {
    let mut d = InspectionDoc::load(INSPECTION_ID, bytes).unwrap();
    d.automerge().set_actor(who.actor());
    d
}

fn sorted_heads(doc: &mut automerge::AutoCommit) -> Vec<automerge::ChangeHash> {
    let mut h = doc.get_heads();
    h.sort();
    h
}

fn photo_ref(tag: &str, owner: PhotoOwner, by: &Identity, at: Millis) -> PhotoRef {
    PhotoRef {
        hash: BlobHash::of(tag.as_bytes()).to_string(),
        thumb_hash: None,
        owner,
        size: tag.len() as u64,
        width: 4000,
        height: 3000,
        taken_at: at,
        location: None,
        by: by.person(),
    }
}

/// Runs one edit; a refused edit must leave the document exactly as it was,
/// with nothing pending that a later commit (and then a merge) would carry.
fn edit<T>(d: &mut InspectionDoc, f: impl FnOnce(&mut InspectionDoc) -> Result<T>) -> Option<T> {
    let before = d.read().unwrap();
    let heads = sorted_heads(d.automerge());
    match f(d) {
        Ok(v) => {
            assert_eq!(d.automerge().pending_ops(), 0, "an edit commits what it writes");
            Some(v)
        }
        Err(e) => {
            assert!(matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::NotFound | ErrorKind::NotAllowed), "{e}");
            assert_eq!(d.automerge().pending_ops(), 0, "refused edit ({e}) left operations pending");
            assert_eq!(d.read().unwrap(), before, "refused edit ({e}) changed the document");
            assert_eq!(sorted_heads(d.automerge()), heads);
            None
        }
    }
}

// ---- (a) and (b): inspections --------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    /// Item index into the checklist (out of range: an unknown item), value
    /// 0 pass / 1 fail / 2 not applicable / 3 a number (wrong kind except
    /// for H26).
    Answer {
        item: usize,
        value: u8,
        reading: i16,
        note: Option<u8>,
    },
    AddFinding {
        item: Option<usize>,
        major: bool,
        deadline: Option<i8>,
        bad_location: bool,
        blank: bool,
    },
    /// Index into the findings this replica knows.
    EditFinding {
        pick: usize,
        description: Option<u8>,
        deadline: Option<i8>,
        responsible: Option<u8>,
        lower: bool,
        bad_location: bool,
    },
    Photo {
        on_finding: bool,
        pick: usize,
        tag: u16,
    },
    /// Pull everything replica `from` has so far.
    Sync {
        from: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        // Mostly a handful of items, so replicas often answer the same one.
        4 => (prop_oneof![6 => 0..5usize, 2 => 5..26usize, 1 => 26..30usize], 0..4u8, -5..40i16, proptest::option::of(0..4u8))
            .prop_map(|(item, value, reading, note)| Op::Answer { item, value, reading, note }),
        2 => (proptest::option::of(0..27usize), any::<bool>(), proptest::option::of(-2..40i8), prop::bool::weighted(0.1), prop::bool::weighted(0.1))
            .prop_map(|(item, major, deadline, bad_location, blank)| Op::AddFinding { item, major, deadline, bad_location, blank }),
        2 => (0..4usize, proptest::option::of(0..4u8), proptest::option::of(-2..40i8), proptest::option::of(0..3u8), prop::bool::weighted(0.2), prop::bool::weighted(0.15))
            .prop_map(|(pick, description, deadline, responsible, lower, bad_location)| Op::EditFinding { pick, description, deadline, responsible, lower, bad_location }),
        1 => (any::<bool>(), 0..5usize, 0..6u16).prop_map(|(on_finding, pick, tag)| Op::Photo { on_finding, pick, tag }),
        1 => (0..4usize).prop_map(|from| Op::Sync { from }),
    ]
}

const DESCRIPTIONS: [&str; 4] = ["防爆灯具损坏", "安全出口堵塞", "可燃气体报警器失灵", "储罐区未设围堰"];
const PEOPLE: [&str; 3] = ["王经理", "李主任", "赵安全员"];

fn item_id(n: usize) -> String {
    // H01..H26, and beyond the checklist an unknown id.
    if n < 26 { format!("H{:02}", n + 1) } else { format!("X{n}") }
}

fn location(bad: bool) -> GeoPoint {
    if bad { GeoPoint { lat: 123.0, lon: 0.0 } } else { GeoPoint { lat: 30.27, lon: 120.15 } }
}

fn apply(d: &mut InspectionDoc, who: &Identity, op: &Op, at: Millis) {
    let t = template();
    match op {
        Op::Answer { item, value, reading, note } => {
            let v = match value {
                0 => AnswerValue::Pass,
                1 => AnswerValue::Fail,
                2 => AnswerValue::NotApplicable,
                _ => AnswerValue::Number(f64::from(*reading) / 2.0),
            };
            let note = note.map(|n| format!("备注{n}"));
            edit(d, |d| d.answer(t, who, &item_id(*item), v, note, at));
        }
        Op::AddFinding { item, major, deadline, bad_location, blank } => {
            let f = NewFinding {
                item_id: item.map(item_id),
                description: if *blank { " ".into() } else { DESCRIPTIONS[at as usize % 4].into() },
                grade: if *major { Grade::Major } else { Grade::General },
                location: Some(location(*bad_location)),
                deadline: deadline.map(|n| day0().add_days(i64::from(n))),
                responsible: Some(PEOPLE[at as usize % 3].into()),
            };
            edit(d, |d| d.add_finding(t, who, f, at));
        }
        Op::EditFinding { pick, description, deadline, responsible, lower, bad_location } => {
            let ids: Vec<String> = d.read().unwrap().findings.into_keys().collect();
            let id = if ids.is_empty() { "no-such-finding".to_string() } else { ids[pick % ids.len()].clone() };
            let patch = FindingPatch {
                description: description.map(|n| DESCRIPTIONS[n as usize].to_string()),
                grade: if *lower { Some(Grade::General) } else { None },
                location: bad_location.then(|| location(true)),
                deadline: deadline.map(|n| day0().add_days(i64::from(n))),
                responsible: responsible.map(|n| PEOPLE[n as usize].to_string()),
            };
            edit(d, |d| d.edit_finding(t, who, &id, &patch, at));
        }
        Op::Photo { on_finding, pick, tag } => {
            let owner = if *on_finding {
                let ids: Vec<String> = d.read().unwrap().findings.into_keys().collect();
                PhotoOwner::Finding(if ids.is_empty() { "no-such-finding".into() } else { ids[pick % ids.len()].clone() })
            } else {
                PhotoOwner::Answer(item_id(pick % 26))
            };
            // Tags repeat across replicas: the same photo attached twice.
            let p = photo_ref(&format!("photo-{tag}"), owner, who, at);
            edit(d, |d| d.attach_photo(who, &p, at));
        }
        Op::Sync { .. } => unreachable!("handled by the driver"),
    }
}

/// The replicas' identities: distinct users, and the last one the first
/// user again on a second phone (its own actor, same inspector entry).
fn identities(n: usize) -> Vec<Identity> {
    let mut ids: Vec<Identity> = (0..n.min(3)).map(|r| identity(&format!("insp-{r}"), Role::Inspector)).collect();
    if n == 4 {
        let mut second_phone = ids[0].clone();
        second_phone.device_id = uuid::Uuid::new_v4().to_string();
        ids.push(second_phone);
    }
    ids
}

/// Creates the inspection, forks it to every replica, runs their edits in
/// lock step (with partial syncs), then merges everything into every
/// replica in the given orders.
fn converge(ops: &[Vec<Op>], orders: &[Vec<usize>]) -> Vec<InspectionDoc> {
    let n = ops.len();
    let who = identities(n);
    let mut origin = InspectionDoc::create(INSPECTION_ID, &header(&who[0]), &who[0]).unwrap();
    let bytes = origin.automerge().save();
    let mut replicas: Vec<InspectionDoc> = who.iter().map(|w| replica_of(&bytes, w)).collect();

    let steps = ops.iter().map(Vec::len).max().unwrap_or(0);
    for step in 0..steps {
        for r in 0..n {
            let Some(op) = ops[r].get(step) else { continue };
            let at = T0 + (step as Millis) * 60_000 + r as Millis;
            match op {
                Op::Sync { from } => {
                    let from = from % n;
                    if from != r {
                        let mut other = replicas[from].automerge().clone();
                        replicas[r].automerge().merge(&mut other).unwrap();
                    }
                }
                op => apply(&mut replicas[r], &who[r], op, at),
            }
        }
    }

    // (b) on every replica before the final merge: a save loads back the same.
    for d in replicas.iter_mut() {
        let reloaded = InspectionDoc::load(INSPECTION_ID, &d.automerge().save()).unwrap();
        assert_eq!(reloaded.read().unwrap(), d.read().unwrap());
    }

    let snapshots: Vec<automerge::AutoCommit> = replicas.iter_mut().map(|d| d.automerge().clone()).collect();
    for (r, d) in replicas.iter_mut().enumerate() {
        for &from in orders[r].iter().filter(|&&f| f < n && f != r) {
            let mut other = snapshots[from].clone();
            d.automerge().merge(&mut other).unwrap();
        }
    }
    replicas
}

fn orders() -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(Just((0..4).collect::<Vec<usize>>()).prop_shuffle(), 4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn inspection_replicas_converge_whatever_the_merge_order(
        ops in prop::collection::vec(prop::collection::vec(op(), 0..10), 2..=4),
        orders in orders(),
    ) {
        let mut replicas = converge(&ops, &orders);
        let first = replicas[0].read().unwrap();
        let heads = sorted_heads(replicas[0].automerge());
        for (r, d) in replicas.iter_mut().enumerate().skip(1) {
            prop_assert_eq!(&d.read().unwrap(), &first, "replica {} differs", r);
            prop_assert_eq!(&sorted_heads(d.automerge()), &heads, "replica {} heads", r);
        }
        // Every device that edited is named once, whatever it did.
        let users: std::collections::BTreeSet<&str> = first.inspectors.iter().map(|p| p.user_id.as_str()).collect();
        prop_assert_eq!(users.len(), first.inspectors.len());
        // A conflict has competing values, each with its author.
        for c in &first.conflicts {
            prop_assert!(c.values.len() >= 2, "{:?}", c);
            prop_assert!(c.values.iter().all(|v| v.by.is_some()), "every value attributed: {:?}", c);
        }
        // (b) after the merge too.
        let reloaded = InspectionDoc::load(INSPECTION_ID, &replicas[0].automerge().save()).unwrap();
        prop_assert_eq!(reloaded.read().unwrap(), first);
    }
}

// ---- (c): hazards --------------------------------------------------------------

#[derive(Clone, Debug)]
enum HOp {
    Act { kind: u8, days: u8, flag: bool, evidence: bool },
    Sync { from: usize },
}

fn hop() -> impl Strategy<Value = HOp> {
    prop_oneof![
        8 => (0..10u8, 0..40u8, any::<bool>(), prop::bool::weighted(0.85))
            .prop_map(|(kind, days, flag, evidence)| HOp::Act { kind, days, flag, evidence }),
        1 => (0..4usize).prop_map(|from| HOp::Sync { from }),
    ]
}

fn hazard_header(grade: Grade, ordered: bool) -> HazardHeader {
    HazardHeader {
        site_id: "site-1".into(),
        site_name: "西湖化工仓库".into(),
        inspection_id: INSPECTION_ID.into(),
        finding_id: HAZARD_ID.into(),
        item_id: Some("H12".into()),
        description: "甲类仓库内使用非防爆照明灯具".into(),
        grade,
        location: None,
        deadline: ordered.then(|| day0().add_days(10)),
        responsible: ordered.then(|| "王经理".into()),
        found_by: Person { user_id: "insp-0".into(), name: "insp-0".into() },
        found_at: T0,
    }
}

fn hazard_action(kind: u8, days: u8, flag: bool) -> Action {
    let date = day0().add_days(i64::from(days));
    match kind {
        0 => Action::Order { deadline: date, responsible: "王经理".into() },
        1 => Action::StartFix {
            plan: flag.then(|| TreatmentPlan {
                responsibility: "总经理".into(),
                measures: "更换灯具".into(),
                deadline: date,
                funds: "两万元".into(),
                contingency: "停用库房".into(),
            }),
        },
        2 => Action::ReportFix,
        3 => Action::Recheck { accepted: flag },
        4 => Action::RequestExtension { new_deadline: date, reason: "到货延迟".into() },
        5 => Action::DecideExtension { granted: flag },
        6 => Action::List { level: if flag { ListingLevel::City } else { ListingLevel::County } },
        7 => Action::Delist,
        8 => Action::LookBack { relapsed: flag },
        _ => Action::Regrade { grade: if flag { Grade::Major } else { Grade::General } },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn hazard_replicas_agree_on_history_and_status(
        major in any::<bool>(),
        ordered in any::<bool>(),
        ops in prop::collection::vec(prop::collection::vec(hop(), 0..14), 2..=4),
        orders in orders(),
    ) {
        let n = ops.len();
        // The enterprise side (assistant), the inspector, the supervisor, an admin.
        let roles = [Role::CommunityAssistant, Role::Inspector, Role::Supervisor, Role::Admin];
        let who: Vec<Identity> = (0..n).map(|r| identity(&format!("user-{r}"), roles[r])).collect();
        let h = hazard_header(if major { Grade::Major } else { Grade::General }, ordered);
        let mut origin = HazardDoc::create(HAZARD_ID, &h, &[], &who[1 % n], T0).unwrap();
        let bytes = origin.automerge().save();
        let mut replicas: Vec<HazardDoc> = who
            .iter()
            .map(|w| {
                let mut d = HazardDoc::load(HAZARD_ID, &bytes).unwrap();
                d.automerge().set_actor(w.actor());
                d
            })
            .collect();

        let steps = ops.iter().map(Vec::len).max().unwrap_or(0);
        let mut made = 0;
        for step in 0..steps {
            for r in 0..n {
                let Some(op) = ops[r].get(step) else { continue };
                // Two hours apart: some transitions fall on later days.
                let at = T0 + (step as Millis) * 7_200_000 + r as Millis;
                match op {
                    HOp::Sync { from } => {
                        let from = from % n;
                        if from != r {
                            let mut other = replicas[from].automerge().clone();
                            replicas[r].automerge().merge(&mut other).unwrap();
                        }
                    }
                    HOp::Act { kind, days, flag, evidence } => {
                        let photos: Vec<PhotoRef> = if *evidence {
                            vec![photo_ref(&format!("evidence-{r}-{step}"), PhotoOwner::Transition(String::new()), &who[r], at)]
                        } else {
                            vec![]
                        };
                        let before = replicas[r].read().unwrap();
                        let result = replicas[r].transition(&who[r], hazard_action(*kind, *days, *flag), "", &photos, at);
                        let pending = replicas[r].automerge().pending_ops();
                        prop_assert_eq!(pending, 0);
                        match result {
                            Ok(t) => {
                                made += 1;
                                let after = replicas[r].read().unwrap();
                                prop_assert_eq!(after.transitions.last(), Some(&t));
                                prop_assert!(!after.status.superseded.iter().any(|(id, _)| *id == t.id), "a transition valid where it is made applies there");
                            }
                            Err(_) => {
                                prop_assert_eq!(replicas[r].read().unwrap(), before);
                            }
                        }
                    }
                }
            }
        }

        let snapshots: Vec<automerge::AutoCommit> = replicas.iter_mut().map(|d| d.automerge().clone()).collect();
        for (r, d) in replicas.iter_mut().enumerate() {
            for &from in orders[r].iter().filter(|&&f| f < n && f != r) {
                let mut other = snapshots[from].clone();
                d.automerge().merge(&mut other).unwrap();
            }
        }
        let first = replicas[0].read().unwrap();
        prop_assert_eq!(first.transitions.len(), made, "no transition lost or duplicated");
        prop_assert_eq!(&first.status, &fold(&h, &first.transitions));
        let ids: std::collections::HashSet<&str> = first.transitions.iter().map(|t| t.id.as_str()).collect();
        prop_assert!(first.status.superseded.iter().all(|(id, _)| ids.contains(id.as_str())));
        let heads = sorted_heads(replicas[0].automerge());
        for (r, d) in replicas.iter_mut().enumerate().skip(1) {
            let hz = d.read().unwrap();
            prop_assert_eq!(&hz.transitions, &first.transitions, "replica {} history", r);
            prop_assert_eq!(&hz.status, &first.status, "replica {} status", r);
            prop_assert_eq!(&hz.photos, &first.photos, "replica {} photos", r);
            prop_assert_eq!(&sorted_heads(d.automerge()), &heads, "replica {} heads", r);
        }
        let reloaded = HazardDoc::load(HAZARD_ID, &replicas[0].automerge().save()).unwrap();
        prop_assert_eq!(reloaded.read().unwrap(), first);
    }
}

// ---- deterministic cases -----------------------------------------------------------

/// `a`'s changes into `b` and back.
fn sync_both(a: &mut InspectionDoc, b: &mut InspectionDoc) {
    let mut ac = a.automerge().clone();
    b.automerge().merge(&mut ac).unwrap();
    let mut bc = b.automerge().clone();
    a.automerge().merge(&mut bc).unwrap();
}

#[test]
fn co_inspectors_who_both_create_the_inspection_offline_merge_cleanly() {
    let t = template();
    let zhang = identity("insp-zhang", Role::Inspector);
    let li = identity("insp-li", Role::Inspector);
    // Li scanned Zhang's QR code: same id and header, created independently.
    let h = header(&zhang);
    let mut a = InspectionDoc::create(INSPECTION_ID, &h, &zhang).unwrap();
    let mut b = InspectionDoc::create(INSPECTION_ID, &h, &li).unwrap();
    for (n, item) in ["H01", "H02", "H03"].iter().enumerate() {
        a.answer(t, &zhang, item, AnswerValue::Pass, None, T0 + n as Millis).unwrap();
    }
    for (n, item) in ["H21", "H22"].iter().enumerate() {
        b.answer(t, &li, item, AnswerValue::Pass, Some("李检查".into()), T0 + n as Millis).unwrap();
    }
    b.answer(t, &li, "H26", AnswerValue::Number(30.0), None, T0 + 5).unwrap();
    let fa = a
        .add_finding(
            t,
            &zhang,
            NewFinding {
                item_id: Some("H12".into()),
                description: "非防爆灯具".into(),
                grade: Grade::General,
                location: None,
                deadline: Some(day0().add_days(7)),
                responsible: Some("王经理".into()),
            },
            T0 + 10,
        )
        .unwrap();
    let fb = b
        .add_finding(
            t,
            &li,
            NewFinding {
                item_id: Some("H26".into()),
                description: "可燃气体浓度偏高".into(),
                grade: Grade::General,
                location: None,
                deadline: None,
                responsible: None,
            },
            T0 + 10,
        )
        .unwrap();
    b.attach_photo(&li, &photo_ref("meter", PhotoOwner::Finding(fb.clone()), &li, T0 + 11), T0 + 11).unwrap();

    sync_both(&mut a, &mut b);
    let ra = a.read().unwrap();
    assert_eq!(ra, b.read().unwrap());
    assert_eq!(sorted_heads(a.automerge()), sorted_heads(b.automerge()));
    assert!(ra.conflicts.is_empty(), "identical headers are no conflict: {:?}", ra.conflicts);
    assert_eq!(ra.header, h);
    let answered: Vec<&str> = ra.answers.keys().map(String::as_str).collect();
    assert_eq!(answered, ["H01", "H02", "H03", "H21", "H22", "H26"]);
    assert_eq!(ra.answers["H21"].by.user_id, "insp-li");
    assert_eq!(ra.answers["H01"].by.user_id, "insp-zhang");
    assert_eq!(ra.findings.keys().cloned().collect::<std::collections::BTreeSet<_>>(), [fa, fb.clone()].into_iter().collect());
    assert_eq!(ra.photos_of(&PhotoOwner::Finding(fb)).count(), 1);
    let mut inspectors: Vec<&str> = ra.inspectors.iter().map(|p| p.user_id.as_str()).collect();
    inspectors.sort();
    assert_eq!(inspectors, ["insp-li", "insp-zhang"]);
    // One shared skeleton change, not two.
    let changes = a.automerge().get_changes(&[]).len();
    // Zhang: create, three answers, a finding. Li: create, three answers,
    // a finding, a photo.
    assert_eq!(changes, 1 + (1 + 3 + 1) + (1 + 3 + 1 + 1), "skeleton + each device's create and edits");
}

#[test]
fn two_answers_to_one_item_conflict_with_both_authors_until_resolved() {
    let t = template();
    let zhang = identity("insp-zhang", Role::Inspector);
    let li = identity("insp-li", Role::Inspector);
    let mut a = InspectionDoc::create(INSPECTION_ID, &header(&zhang), &zhang).unwrap();
    let mut b = replica_of(&a.automerge().save(), &li);
    a.answer(t, &zhang, "H05", AnswerValue::Pass, None, T0 + 1).unwrap();
    b.answer(t, &li, "H05", AnswerValue::Fail, Some("防火间距不足".into()), T0 + 2).unwrap();
    sync_both(&mut a, &mut b);

    let ra = a.read().unwrap();
    assert_eq!(ra, b.read().unwrap());
    assert_eq!(ra.conflicts.len(), 1, "{:?}", ra.conflicts);
    let c = &ra.conflicts[0];
    assert_eq!(c.path, "answers/H05");
    assert_eq!(c.values.len(), 2);
    let mut authors: Vec<&str> = c.values.iter().map(|v| v.by.as_ref().unwrap().user_id.as_str()).collect();
    authors.sort();
    assert_eq!(authors, ["insp-li", "insp-zhang"]);
    let mut values: Vec<AnswerValue> = c.values.iter().map(|v| serde_json::from_str::<Answer>(&v.value).unwrap().value).collect();
    values.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(values, [AnswerValue::Fail, AnswerValue::Pass]);
    // Meanwhile one of them shows, the same one on both phones.
    assert!(c.values.iter().any(|v| serde_json::from_str::<Answer>(&v.value).unwrap() == ra.answers["H05"]));

    // Zhang resolves in favour of Li's reading; Li's phone learns it on sync.
    let chosen = c.values.iter().find(|v| v.by.as_ref().unwrap().user_id == "insp-li").unwrap().value.clone();
    let err = a.resolve_conflict(&zhang, &FieldPath::answer("H05"), "{\"type\":\"pass\"}", T0 + 3).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "only one of the conflicting values may be chosen");
    assert_eq!(a.resolve_conflict(&zhang, &FieldPath::answer("H06"), &chosen, T0 + 3).unwrap_err().kind(), ErrorKind::NotFound);
    a.resolve_conflict(&zhang, &FieldPath::answer("H05"), &chosen, T0 + 3).unwrap();
    let again = a.resolve_conflict(&zhang, &FieldPath::answer("H05"), &chosen, T0 + 3).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict, "a conflict settled meanwhile asks the app to read again");
    let ra = a.read().unwrap();
    assert!(ra.conflicts.is_empty());
    assert_eq!(ra.answers["H05"].value, AnswerValue::Fail);
    assert_eq!(ra.answers["H05"].by.user_id, "insp-li", "the chosen answer keeps its author");
    sync_both(&mut a, &mut b);
    assert_eq!(b.read().unwrap(), ra);
}

#[test]
fn concurrent_edits_of_one_finding_field_conflict_with_both_editors() {
    let t = template();
    let zhang = identity("insp-zhang", Role::Inspector);
    let li = identity("insp-li", Role::Inspector);
    let mut a = InspectionDoc::create(INSPECTION_ID, &header(&zhang), &zhang).unwrap();
    let f = a
        .add_finding(
            t,
            &zhang,
            NewFinding {
                item_id: None,
                description: "消防通道堵塞".into(),
                grade: Grade::General,
                location: None,
                deadline: Some(day0().add_days(3)),
                responsible: None,
            },
            T0 + 1,
        )
        .unwrap();
    let mut b = replica_of(&a.automerge().save(), &li);
    let patch = |days| FindingPatch { deadline: Some(day0().add_days(days)), ..Default::default() };
    a.edit_finding(t, &zhang, &f, &patch(5), T0 + 2).unwrap();
    b.edit_finding(t, &li, &f, &patch(7), T0 + 2).unwrap();
    // Different fields edited concurrently merge without conflict.
    b.edit_finding(t, &li, &f, &FindingPatch { responsible: Some("王经理".into()), ..Default::default() }, T0 + 3).unwrap();
    sync_both(&mut a, &mut b);

    let ra = a.read().unwrap();
    assert_eq!(ra, b.read().unwrap());
    assert_eq!(ra.findings[&f].responsible.as_deref(), Some("王经理"));
    assert_eq!(ra.conflicts.len(), 1, "{:?}", ra.conflicts);
    let c = &ra.conflicts[0];
    assert_eq!(c.path, format!("findings/{f}/deadline"));
    let mut by: Vec<&str> = c.values.iter().map(|v| v.by.as_ref().unwrap().user_id.as_str()).collect();
    by.sort();
    assert_eq!(by, ["insp-li", "insp-zhang"], "plain fields are attributed through the actor registry");
    let seven = c.values.iter().find(|v| v.value.contains(&day0().add_days(7).to_string())).unwrap().value.clone();
    b.resolve_conflict(&li, &c.path, &seven, T0 + 4).unwrap();
    sync_both(&mut a, &mut b);
    let ra = a.read().unwrap();
    assert!(ra.conflicts.is_empty());
    assert_eq!(ra.findings[&f].deadline, Some(day0().add_days(7)));
}

#[test]
fn a_refused_edit_leaves_nothing_to_merge() {
    let t = template();
    let zhang = identity("insp-zhang", Role::Inspector);
    let mut a = InspectionDoc::create(INSPECTION_ID, &header(&zhang), &zhang).unwrap();
    let f = a
        .add_finding(
            t,
            &zhang,
            NewFinding {
                item_id: None,
                description: "消防通道堵塞".into(),
                grade: Grade::General,
                location: None,
                deadline: None,
                responsible: None,
            },
            T0 + 1,
        )
        .unwrap();
    // A new description with an impossible location: refused as a whole.
    let patch =
        FindingPatch {
            description: Some("改写的描述".into()), location: Some(GeoPoint { lat: 91.0, lon: 0.0 }), ..Default::default()
        };
    let refused = edit(&mut a, |d| d.edit_finding(t, &zhang, &f, &patch, T0 + 2));
    assert!(refused.is_none());
    // The next accepted edit must not carry the refused one along.
    a.answer(t, &zhang, "H01", AnswerValue::Pass, None, T0 + 3).unwrap();
    let b = replica_of(&a.automerge().save(), &identity("insp-li", Role::Inspector));
    assert_eq!(b.read().unwrap().findings[&f].description, "消防通道堵塞");
    assert_eq!(b.read().unwrap().findings[&f].location, None);
}

//! The documents' fixed wording, in Chinese (the official language of the
//! forms) and English (the same document for readers who need it), and
//! the formatting of times, kinds, grades and results.

use crate::Lang;
use redline_domain::hazard::HazardState;
use redline_domain::inspection::{Grade, InspectionKind, ItemResult, Outcome};
use redline_domain::time::{Date, Millis};

/// (key, 中文, English)
const TEXTS: &[(&str, &str, &str)] = &[
    ("record.title", "现场检查记录", "On-site Inspection Record"),
    ("order.title", "责令限期整改指令书", "Order to Rectify Within a Time Limit"),
    ("recheck.title", "整改复查意见书", "Rectification Re-check Opinion"),
    ("summary.title", "安全生产检查工作汇总", "Work-safety Inspection Summary"),
    ("f.site", "被检查单位", "Inspected party"),
    ("f.address", "地址", "Address"),
    ("f.present", "现场负责人", "Responsible person present"),
    ("f.time", "检查时间", "Time of inspection"),
    ("f.inspectors", "检查人员及执法证号", "Inspectors and certificate numbers"),
    ("f.kind", "检查类别", "Kind of inspection"),
    ("f.checklist", "检查依据（检查表）", "Checklist"),
    ("f.outcome", "检查结论", "Outcome"),
    ("f.record_no", "记录编号", "Record number"),
    ("s.answers", "检查情况", "What was checked"),
    ("s.findings", "发现的问题", "Problems found"),
    ("s.photos", "现场照片", "Photos"),
    ("s.signatures", "签名", "Signatures"),
    ("c.no", "序号", "No."),
    ("c.item", "检查项目", "Item"),
    ("c.result", "检查结果", "Result"),
    ("c.note", "备注", "Note"),
    ("c.problem", "存在的问题", "Problem"),
    ("c.grade", "隐患等级", "Grade"),
    ("c.deadline", "整改期限", "Deadline"),
    ("c.responsible", "整改责任人", "Responsible"),
    ("c.basis", "依据", "Legal basis"),
    ("c.state", "整改情况", "Rectified"),
    ("c.opinion", "复查意见", "Opinion"),
    ("c.reviewer", "复查人", "Reviewer"),
    ("c.date", "日期", "Date"),
    ("sig.inspector", "检查人员（签名）", "Inspector (signature)"),
    ("sig.enterprise", "被检查单位负责人（签名）", "Representative of the inspected party (signature)"),
    ("sig.office", "（印章）", "(seal)"),
    ("sig.reviewer", "复查人员（签名）", "Reviewer (signature)"),
    ("order.found", "经现场检查，你单位存在下列问题：", "The inspection found the following problems at your premises:"),
    (
        "order.demand",
        "以上问题，责令你单位在所列期限内整改完毕，达到有关法律法规规章和标准规定的要求。整改期间应采取必要的安全防范措施。",
        "You are ordered to rectify each problem above by its deadline, to the requirements of the laws, regulations and standards cited, taking the safety measures needed meanwhile.",
    ),
    (
        "order.report",
        "整改完毕后，请于期限届满前将整改情况书面报告本机关，本机关将组织复查。",
        "Report the rectification to this office in writing before the deadline; this office will re-check it.",
    ),
    ("order.latest", "最迟整改期限", "Latest deadline"),
    (
        "recheck.intro",
        "本机关对《责令限期整改指令书》所列问题进行了复查，意见如下：",
        "This office re-checked the problems listed in the order; its opinion:",
    ),
    ("recheck.of", "指令书文号", "Order number"),
    ("recheck.after", "整改后照片", "Photos after rectification"),
    ("state.rectified", "已整改", "Rectified"),
    ("state.not_rectified", "未整改", "Not rectified"),
    ("state.pending", "待复查", "Awaiting re-check"),
    ("r.passed", "符合", "Compliant"),
    ("r.failed", "不符合", "Non-compliant"),
    ("r.na", "不适用", "Not applicable"),
    ("r.recorded", "已记录", "Recorded"),
    ("grade.general", "一般事故隐患", "General hazard"),
    ("grade.major", "重大事故隐患", "Major hazard"),
    ("kind.routine_patrol", "日常巡查", "Routine patrol"),
    ("kind.special_campaign", "专项检查", "Special campaign"),
    ("kind.self_inspection", "企业自查", "Self-inspection"),
    ("kind.enforcement", "执法检查", "Enforcement inspection"),
    ("kind.look_back", "回头看", "Look-back"),
    ("outcome.pass", "未发现问题", "No problems found"),
    ("outcome.basically_pass", "基本符合", "Basically compliant"),
    ("outcome.fail", "不符合", "Non-compliant"),
    ("outcome.hazards_found", "发现一般事故隐患", "General hazards found"),
    ("outcome.major_hazard", "发现重大事故隐患", "Major hazard found"),
    ("summary.area", "区域", "Area"),
    ("summary.period", "统计时段", "Period"),
    ("summary.figures", "主要数据", "Figures"),
    ("summary.overdue", "逾期未整改隐患", "Overdue hazards"),
    ("summary.look_back", "回头看结果", "Look-back outcomes"),
    ("page", "第 {n} 页 共 {of} 页", "Page {n} of {of}"),
    ("none", "无", "None"),
    ("to", "至", "to"),
];

#[derive(Clone, Copy, Debug)]
pub struct T(pub Lang);

impl T {
    pub fn s(self, key: &str) -> &'static str {
        TEXTS.iter().find(|(k, _, _)| *k == key).map_or("?", |(_, zh, en)| if self.0 == Lang::Zh { zh } else { en })
    }

    pub fn kind(self, k: InspectionKind) -> &'static str {
        self.s(&format!("kind.{}", k.as_str()))
    }

    pub fn grade(self, g: Grade) -> &'static str {
        self.s(&format!("grade.{}", g.as_str()))
    }

    pub fn outcome(self, o: Outcome) -> &'static str {
        self.s(&format!("outcome.{}", o.as_str()))
    }

    pub fn result(self, r: ItemResult) -> &'static str {
        self.s(match r {
            ItemResult::Passed => "r.passed",
            ItemResult::Failed => "r.failed",
            ItemResult::NotApplicable => "r.na",
            ItemResult::Recorded => "r.recorded",
        })
    }

    /// Whether the hazard's fix is done, in the re-check's words.
    pub fn rectified(self, s: HazardState) -> &'static str {
        self.s(match s {
            HazardState::Accepted | HazardState::Closed => "state.rectified",
            HazardState::FixReported => "state.pending",
            _ => "state.not_rectified",
        })
    }

    /// `2026年12月1日` / `2026-12-01`.
    pub fn date(self, d: Date) -> String {
        let (y, m, day) = d.ymd();
        if self.0 == Lang::Zh { format!("{y}年{m}月{day}日") } else { d.to_string() }
    }

    /// The day and time in China.
    pub fn time(self, ms: Millis) -> String {
        let minutes = (ms + 8 * 3_600_000).rem_euclid(86_400_000) / 60_000;
        format!("{} {:02}:{:02}", self.date(Date::in_china(ms)), minutes / 60, minutes % 60)
    }

    pub fn page(self, n: usize, of: usize) -> String {
        self.s("page").replace("{n}", &n.to_string()).replace("{of}", &of.to_string())
    }

    /// Picks the language's half of a bilingual text.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.0 == Lang::Zh || en.trim().is_empty() { zh } else { en }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_words_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let t = T(lang);
            for k in [
                InspectionKind::RoutinePatrol,
                InspectionKind::SpecialCampaign,
                InspectionKind::SelfInspection,
                InspectionKind::Enforcement,
                InspectionKind::LookBack,
            ] {
                assert_ne!(t.kind(k), "?");
            }
            for o in [Outcome::Pass, Outcome::BasicallyPass, Outcome::Fail, Outcome::HazardsFound, Outcome::MajorHazard] {
                assert_ne!(t.outcome(o), "?");
            }
            assert_ne!(t.grade(Grade::Major), "?");
        }
        assert_eq!(T(Lang::Zh).time(Date::parse("2026-12-01").unwrap().start_millis() + 9 * 3_600_000 + 5 * 60_000), "2026年12月1日 09:05");
    }
}

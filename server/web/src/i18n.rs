//! Every string the dashboard shows, in Chinese (the default) and English.
//! One table holds both languages side by side, so a key cannot exist in
//! one and not the other; a test reads every template and checks each key
//! it uses is here and translated.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// (key, 中文, English)
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("app", "红线 安全生产检查", "Redline safety inspections"),
    ("nav.overview", "总览", "Overview"),
    ("nav.inspections", "检查记录", "Inspections"),
    ("nav.hazards", "隐患", "Hazards"),
    ("nav.sites", "场所", "Sites"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.language", "English", "中文"),
    ("login.title", "登录", "Sign in"),
    ("login.user", "用户名", "User"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.failed", "用户名或密码不正确", "Wrong user or password"),
    ("login.limited", "尝试次数过多，请稍后再试", "Too many attempts; try again later"),
    ("error.not_found", "未找到", "Not found"),
    ("error.forbidden", "请求无效，请刷新页面后重试", "The request was refused; reload the page and try again"),
    ("error.bad_request", "请求有误", "Bad request"),
    ("error.internal", "服务器出错", "Server error"),
    ("overview.title", "辖区总览", "District overview"),
    ("overview.period", "时段", "Period"),
    ("overview.area", "区域", "Area"),
    ("overview.all_areas", "全部区域", "All areas"),
    ("overview.show", "查看", "Show"),
    ("overview.inspections", "检查次数", "Inspections"),
    ("overview.by_kind", "按检查类型", "By kind"),
    ("overview.by_area", "按区域", "By area"),
    ("overview.open_by_grade", "未销号隐患（按等级）", "Open hazards by grade"),
    ("overview.open_by_age", "未销号隐患（按天数）", "Open hazards by age (days)"),
    ("overview.overdue", "逾期未整改", "Overdue rectifications"),
    ("overview.listed", "挂牌督办", "Listed for supervision"),
    ("overview.look_back", "回头看结果", "Look-back outcomes"),
    ("overview.fixed", "已整改", "Still fixed"),
    ("overview.not_fixed", "反弹", "Relapsed"),
    ("overview.new", "新发现", "Newly found"),
    ("overview.risk", "企业风险等级", "Enterprises by risk colour"),
    ("overview.weeks", "每周发现与销号", "Found vs closed per week"),
    ("overview.found", "发现", "Found"),
    ("overview.closed", "销号", "Closed"),
    ("list.filter", "筛选", "Filter"),
    ("list.search", "搜索", "Search"),
    ("list.from", "起", "From"),
    ("list.to", "止", "To"),
    ("list.any", "全部", "Any"),
    ("list.next", "下一页", "Next page"),
    ("list.first", "第一页", "First page"),
    ("list.empty", "没有符合条件的记录", "Nothing matches"),
    ("list.export_csv", "导出 CSV", "Export CSV"),
    ("list.export_xlsx", "导出 Excel", "Export Excel"),
    ("list.overdue_only", "仅逾期", "Overdue only"),
    ("list.open_only", "仅未销号", "Open only"),
    ("col.day", "日期", "Day"),
    ("col.site", "场所", "Site"),
    ("col.area", "区域", "Area"),
    ("col.kind", "类型", "Kind"),
    ("col.inspector", "检查人", "Inspector"),
    ("col.status", "状态", "Status"),
    ("col.outcome", "结论", "Outcome"),
    ("col.failed", "不合格项", "Failed"),
    ("col.findings", "问题", "Findings"),
    ("col.description", "描述", "Description"),
    ("col.grade", "等级", "Grade"),
    ("col.state", "状态", "State"),
    ("col.deadline", "整改期限", "Deadline"),
    ("col.responsible", "责任人", "Responsible"),
    ("col.found", "发现时间", "Found"),
    ("col.open_hazards", "未销号隐患", "Open hazards"),
    ("col.last_inspected", "最近检查", "Last inspected"),
    ("col.address", "地址", "Address"),
    ("col.risk", "风险", "Risk"),
    ("col.item", "检查项", "Item"),
    ("col.answer", "结果", "Result"),
    ("col.note", "备注", "Note"),
    ("col.by", "填写人", "By"),
    ("col.when", "时间", "When"),
    ("col.device", "设备", "Device"),
    ("col.changes", "操作数", "Operations"),
    ("col.action", "操作", "Action"),
    ("inspection.title", "检查记录", "Inspection"),
    ("inspection.answers", "检查项", "Checklist answers"),
    ("inspection.findings", "发现的问题", "Findings"),
    ("inspection.photos", "照片", "Photos"),
    ("inspection.signatures", "签名", "Signatures"),
    ("inspection.conflicts", "待解决的冲突", "Open conflicts"),
    ("inspection.history", "修改记录", "Edit history"),
    ("inspection.hazards", "由此产生的隐患", "Hazards raised"),
    ("inspection.score", "得分", "Score"),
    ("hazard.title", "隐患", "Hazard"),
    ("hazard.timeline", "整改过程", "Timeline"),
    ("hazard.actions", "督办操作", "Supervisor's actions"),
    ("hazard.overdue", "已逾期", "Overdue"),
    ("hazard.order", "责令限期整改", "Order a fix by"),
    ("hazard.list", "挂牌督办", "List for supervision"),
    ("hazard.delist", "摘牌销号", "Delist"),
    ("hazard.grant", "同意延期", "Grant the extension"),
    ("hazard.deny", "不同意延期", "Deny the extension"),
    ("hazard.pending_extension", "申请延期", "Extension requested"),
    ("hazard.note", "说明", "Note"),
    ("hazard.done", "已提交，下次同步时送达手机", "Saved; phones receive it on their next sync"),
    ("hazard.refused", "不能执行", "Not possible"),
    ("sites.title", "场所分布", "Sites"),
    ("sites.map", "场所分布图（红色：有未销号隐患）", "Map (red: open hazards)"),
    ("kind.routine_patrol", "日常巡查", "Routine patrol"),
    ("kind.special_campaign", "专项检查", "Special campaign"),
    ("kind.self_inspection", "企业自查", "Self-inspection"),
    ("kind.enforcement", "执法检查", "Enforcement"),
    ("kind.look_back", "回头看", "Look-back"),
    ("status.draft", "草稿", "Draft"),
    ("status.submitted", "已提交", "Submitted"),
    ("outcome.pass", "合格", "Pass"),
    ("outcome.pass_with_issues", "基本合格", "Pass with issues"),
    ("outcome.fail", "不合格", "Fail"),
    ("grade.general", "一般隐患", "General"),
    ("grade.major", "重大隐患", "Major"),
    ("state.found", "已发现", "Found"),
    ("state.ordered", "责令整改", "Ordered"),
    ("state.fixing", "整改中", "Being fixed"),
    ("state.fix_reported", "已报整改", "Fix reported"),
    ("state.accepted", "复查合格", "Accepted"),
    ("state.closed", "已销号", "Closed"),
    ("result.passed", "合格", "Passed"),
    ("result.failed", "不合格", "Failed"),
    ("result.notapplicable", "不适用", "Not applicable"),
    ("result.recorded", "已记录", "Recorded"),
    ("action.order", "责令整改", "Ordered"),
    ("action.start_fix", "开始整改", "Fix started"),
    ("action.report_fix", "报告整改完成", "Fix reported"),
    ("action.recheck", "复查", "Re-checked"),
    ("action.request_extension", "申请延期", "Extension requested"),
    ("action.decide_extension", "延期审批", "Extension decided"),
    ("action.list", "挂牌督办", "Listed"),
    ("action.delist", "摘牌销号", "Delisted"),
    ("action.look_back", "回头看", "Looked back"),
    ("action.regrade", "调整等级", "Regraded"),
    ("listed.county", "县级", "County"),
    ("listed.city", "市级", "City"),
    ("listed.province", "省级", "Province"),
    ("risk.green", "绿", "Green"),
    ("risk.yellow", "黄", "Yellow"),
    ("risk.orange", "橙", "Orange"),
    ("risk.red", "红", "Red"),
    ("risk.none", "未评", "Not rated"),
];

/// The strings of one language, looked up by key.
#[derive(Clone, Copy, Debug)]
pub struct Texts {
    pub lang: Lang,
}

impl Texts {
    pub fn s(&self, key: &str) -> &'static str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => match self.lang {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing text");
                "?"
            }
        }
    }

    /// The label of a stored code under a prefix (`state`, `kind`...); the
    /// code itself when it has none.
    pub fn code(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}.{code}");
        if TEXTS.iter().any(|(k, _, _)| *k == key) { self.s(&key).to_string() } else { code.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages_once() {
        let mut keys = std::collections::BTreeSet::new();
        for (k, zh, en) in TEXTS {
            assert!(keys.insert(*k), "{k} twice");
            assert!(!zh.trim().is_empty() && !en.trim().is_empty(), "{k}");
        }
    }

    #[test]
    fn every_key_the_templates_use_is_translated() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut used = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for part in text.split("t.s(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                assert!(TEXTS.iter().any(|(k, _, _)| *k == key), "template key {key:?} has no text");
                used += 1;
            }
        }
        assert!(used > 50, "the templates use the table ({used} keys)");
    }

    #[test]
    fn codes_of_every_state_kind_and_grade_are_labelled() {
        use redline_domain::hazard::HazardState;
        use redline_domain::inspection::{Grade, InspectionKind};
        let t = Texts { lang: Lang::Zh };
        for s in ["found", "ordered", "fixing", "fix_reported", "accepted", "closed"] {
            assert!(HazardState::parse(s).is_some());
            assert_ne!(t.code("state", s), s);
        }
        for k in ["routine_patrol", "special_campaign", "self_inspection", "enforcement", "look_back"] {
            assert!(InspectionKind::parse(k).is_some());
            assert_ne!(t.code("kind", k), k);
        }
        for g in [Grade::General, Grade::Major] {
            assert_ne!(t.code("grade", g.as_str()), g.as_str());
        }
    }
}

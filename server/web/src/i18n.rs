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

/// (key, 中文, English); the plans pages' are in `i18n_plans`.
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
    ("list.prev", "上一页", "Previous page"),
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
    (
        "sites.map",
        "场所分布图（绿色：无未销号隐患；橙色：1-2 项；红色：3 项以上）",
        "Map (green: no open hazards; orange: 1-2; red: 3 or more)",
    ),
    ("sites.shown", "本页场所", "Sites on this page"),
    ("nav.admin", "管理", "Admin"),
    ("admin.users", "用户与权限", "Users and roles"),
    ("admin.sites", "场所", "Sites"),
    ("admin.templates", "检查表模板", "Checklist templates"),
    ("admin.user", "用户", "User"),
    ("admin.user_id", "用户 ID", "User id"),
    ("admin.name", "姓名", "Name"),
    ("admin.role", "角色", "Role"),
    ("admin.scope", "管辖范围", "Scope"),
    ("admin.scope_all", "全部区域", "All areas"),
    ("admin.areas", "区域（每行一个，如 zj/hz/xh）", "Areas (one per line, e.g. zj/hz/xh)"),
    ("admin.sites_of_user", "单独场所 ID（每行一个）", "Single site ids (one per line)"),
    (
        "admin.scope_help",
        "区域包含其下所有社区：zj/hz/xh 包含 zj/hz/xh/zt。",
        "An area covers everything under it: zj/hz/xh covers zj/hz/xh/zt.",
    ),
    ("admin.new_user", "新增用户", "Add a user"),
    ("admin.password_optional", "登录密码（可选，至少 10 个字符）", "Dashboard password (optional, at least 10 characters)"),
    ("admin.create", "新增", "Add"),
    ("admin.role_scope", "角色与管辖范围", "Role and scope"),
    ("admin.save", "保存", "Save"),
    ("admin.password", "登录密码", "Dashboard password"),
    ("admin.new_password", "新密码（至少 10 个字符）", "New password (at least 10 characters)"),
    ("admin.set_password", "设置密码", "Set the password"),
    ("admin.password_help", "设置新密码后，该用户所有已登录的会话立即失效。", "A new password ends every session the user has."),
    ("admin.sessions", "登录会话", "Sessions"),
    ("admin.no_sessions", "没有登录会话", "No sessions"),
    ("admin.signed_in", "登录时间", "Signed in"),
    ("admin.expires", "到期", "Expires"),
    ("admin.agent", "浏览器", "Browser"),
    ("admin.live", "有效", "Active"),
    ("admin.ended", "已结束", "Ended"),
    ("admin.revoked", "已吊销", "Revoked"),
    ("admin.revoke", "吊销", "Revoke"),
    ("admin.revoke_all", "全部吊销", "Revoke all"),
    ("admin.devices", "设备令牌", "Device tokens"),
    ("admin.no_devices", "没有设备", "No devices"),
    ("admin.issue_token", "签发设备令牌", "Issue a device token"),
    ("admin.token_title", "新设备令牌", "New device token"),
    (
        "admin.token_once",
        "令牌只显示这一次，离开本页后无法再次查看。",
        "The token is shown this once; it cannot be seen again after you leave this page.",
    ),
    ("admin.token_scan", "用红线 App 扫描二维码完成设备登记。", "Scan the QR code with the Redline app to enrol the phone."),
    ("admin.server", "服务器", "Server"),
    ("admin.token", "令牌", "Token"),
    ("admin.enrol_uri", "登记链接", "Enrolment link"),
    ("admin.back_to_user", "返回用户页面", "Back to the user"),
    ("admin.import_sites", "导入场所（CSV）", "Import sites (CSV)"),
    ("admin.csv_columns", "第一行为列名，可用的列：", "The first line names the columns; these may be used:"),
    (
        "admin.csv_help",
        "id、name、area 必填；categories 用分号分隔（如 food;fireworks_retail）；lat/lon 为十进制度数；UTF-8 编码（可带 BOM）。任何一行有误则全部不导入；已有 ID 的场所被替换。",
        "id, name and area are required; categories are separated by ';' (e.g. food;fireworks_retail); lat/lon in decimal degrees; UTF-8 (with or without a BOM). If any row is wrong nothing is imported; a site whose id exists is replaced.",
    ),
    ("admin.file", "文件", "File"),
    ("admin.or_paste", "或粘贴内容", "Or paste the text"),
    ("admin.import", "导入", "Import"),
    ("admin.import_refused", "未导入任何场所，请改正以下各行：", "Nothing was imported; correct these rows:"),
    ("admin.site_list", "全部场所", "All sites"),
    ("admin.categories", "类别", "Categories"),
    ("admin.done.created", "用户已新增", "User added"),
    ("admin.done.saved", "已保存", "Saved"),
    ("admin.done.password", "密码已设置，原有会话已失效", "Password set; the user's sessions have ended"),
    ("admin.done.sessions", "会话已吊销", "Sessions revoked"),
    ("admin.done.device_revoked", "设备令牌已吊销，该设备无法再同步", "Token revoked; the device can no longer sync"),
    ("admin.done.imported", "场所已导入", "Sites imported"),
    ("admin.done.published", "模板已发布，手机下次同步时收到", "Template published; phones receive it on their next sync"),
    (
        "admin.refused.bad_id",
        "用户 ID 只能由 1 到 64 个英文字母、数字、“-”“_”“.”组成",
        "A user id is 1 to 64 ASCII letters, digits, '-', '_' or '.'",
    ),
    ("admin.refused.no_name", "请填写姓名", "A user needs a name"),
    ("admin.refused.bad_area", "区域格式不正确", "Not an area path"),
    ("admin.refused.exists", "用户已存在", "The user exists already"),
    ("admin.refused.role", "未知角色", "Unknown role"),
    ("admin.refused.own_role", "不能取消自己的管理员角色", "You cannot remove your own admin role"),
    ("admin.refused.short_password", "密码至少需要 10 个字符", "A password needs at least 10 characters"),
    (
        "admin.refused.not_utf8",
        "文件不是 UTF-8 编码，请另存为“CSV UTF-8”后重试",
        "The file is not UTF-8; save it as \"CSV UTF-8\" and try again",
    ),
    ("csv.line", "行", "Line"),
    ("csv.field", "字段", "field"),
    ("csv.unknown_column", "未知的列", "unknown column"),
    ("csv.missing_column", "缺少必需的列", "required column missing"),
    ("csv.field_count", "字段数与列名不一致", "the number of fields differs from the header"),
    ("csv.unreadable", "无法读取", "unreadable"),
    ("csv.required", "必填", "required"),
    ("csv.unknown_category", "未知类别", "unknown category"),
    ("csv.bad_coordinate", "经纬度无效", "lat/lon are not a valid coordinate"),
    ("csv.duplicate_id", "与前面某行 ID 重复，行号", "the same id as line"),
    ("templates.version", "版本", "Version"),
    ("templates.title", "名称", "Title"),
    ("templates.items", "检查项数", "Items"),
    ("templates.source", "来源", "Source"),
    ("templates.builtin", "内置", "Built in"),
    ("templates.published", "本服务器发布", "Published here"),
    ("templates.upload", "发布新版本", "Publish a new version"),
    (
        "templates.help",
        "上传模板 JSON（格式见 core/domain/templates/README.md）；已发布的版本不可覆盖，请提高 version。",
        "Upload the template's JSON (format in core/domain/templates/README.md); a published version is never replaced, so raise its version.",
    ),
    ("templates.publish", "发布", "Publish"),
    ("templates.refused", "未发布", "Not published"),
    ("templates.item", "检查项", "item"),
    ("templates.field", "模板字段", "template field"),
    ("templates.not_json", "不是有效的模板 JSON", "not valid template JSON"),
    ("templates.exists", "该版本已存在", "this version exists already"),
    ("role.inspector", "检查员", "Inspector"),
    ("role.community_assistant", "社区安全员", "Community safety assistant"),
    ("role.supervisor", "督查", "Supervisor"),
    ("role.admin", "管理员", "Administrator"),
    ("category.hazardous_chemicals", "危险化学品", "Hazardous chemicals"),
    ("category.fireworks", "烟花爆竹", "Fireworks"),
    ("category.fireworks_retail", "烟花爆竹零售", "Fireworks retail"),
    ("category.special_equipment", "特种设备", "Special equipment"),
    ("category.food", "餐饮食品", "Food"),
    ("category.three_places_three_enterprises", "三场所三企业", "Three places, three enterprises"),
    ("col.field", "字段", "Field"),
    ("col.value", "值", "Value"),
    (
        "inspection.conflicts_help",
        "两人同时填写了同一项。请选择保留的值；选择会像手机上的修改一样同步到各手机。",
        "Two people wrote the same field at once. Choose the value to keep; the choice syncs to the phones like an edit made on a phone.",
    ),
    ("inspection.choose", "选用此值", "Choose this value"),
    ("inspection.resolved", "冲突已解决，下次同步时送达手机", "Conflict settled; phones receive it on their next sync"),
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

/// Every (key, 中文, English) of the dashboard.
pub fn all_texts() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    TEXTS.iter().chain(crate::i18n_plans::PLAN_TEXTS)
}

impl Texts {
    pub fn s(&self, key: &str) -> &'static str {
        match all_texts().find(|(k, _, _)| *k == key) {
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
        if all_texts().any(|(k, _, _)| *k == key) { self.s(&key).to_string() } else { code.to_string() }
    }
}

#[cfg(test)]
#[path = "i18n_tests.rs"]
mod tests;

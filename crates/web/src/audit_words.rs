//! The audit trail in words: what an administrator reads on 审计日志 instead of
//! the machine names the store records (`match.confirm`, `funds_fen`, `{…}`).
//!
//! Guarantees: every action the store records has a Chinese description (a
//! test reads the store's sources for the names it writes); a record is named
//! by its kind and number and linked to its page where it has one; a change is
//! listed as 字段：旧值 → 新值 with Chinese field names and values formatted
//! as people read them (万元, dates, region names, 是/否, status names) —
//! bookkeeping fields (ids, timestamps of the change itself, hashes) are left
//! out. A new field without a name shows its machine name, which the browser
//! tests' English check then reports.

use crate::format::{fmt_time, wan};
use duijie_domain::RegionCode;
use duijie_domain::matching::{Initiator, MatchStatus};
use duijie_store::regions::RegionTree;
use serde_json::Value;

/// The actions the store records under fixed names, with their words (the
/// audit page offers them as a filter).
pub const NAMED_ACTIONS: &[(&str, &str)] = &[
    ("complaint.create", "受理投诉举报"),
    ("complaint.complainant.view", "查看投诉人姓名和电话"),
    ("complaint.assign", "分派投诉承办人"),
    ("complaint.step", "记录投诉调查情况"),
    ("complaint.ask", "要求被投诉组织答复"),
    ("complaint.answer", "被投诉组织答复"),
    ("complaint.close", "投诉举报办结"),
    ("complaint.follow_up", "投诉整改复查"),
    ("cooperation_tie.add", "登记东西部协作结对关系"),
    ("county_needs.set", "设置县级帮扶需求"),
    ("demand.create", "录入需求"),
    ("demand.reopen", "帮扶项目终止，需求重新发布"),
    ("demand.file.add", "上传需求附件"),
    ("demand.household.view", "查看帮扶户完整信息"),
    ("designation.add", "认定重点帮扶县"),
    ("designation.end", "撤销认定"),
    ("enrolment.create", "报名专项行动"),
    ("liaison.create", "新增联络员"),
    ("liaison.remove", "删除联络员"),
    ("load_villages", "导入村级区划"),
    ("match.confirm", "确认对接"),
    ("match.confirmed", "确认对接"),
    ("match.declined", "谢绝对接"),
    ("match.cancelled", "撤回对接申请"),
    ("match.release", "帮扶项目终止，解除对接"),
    ("match.propose_by_org", "社会组织申请承接需求"),
    ("match.propose_by_county", "县级向供给项目点单"),
    ("offer.create", "发布供给项目"),
    ("offer.status", "变更供给项目状态"),
    ("organization.attachment.add", "上传组织材料"),
    ("organization.create", "登记社会组织"),
    ("organization.import", "导入社会组织名录"),
    ("organization.member.add", "登记会员企业"),
    ("pairing.propose", "提出结对"),
    ("project.create", "录入帮扶项目"),
    ("project.progress", "添加项目进展"),
    ("project.confirm", "受益方确认项目完成"),
    ("project.edit", "修改帮扶项目"),
    ("project.stop", "终止帮扶项目"),
    ("project.import", "导入项目明细表（附件2）"),
    ("project.natures", "修改本省项目性质列表"),
    ("monitoring_batch.create", "导出监测系统数据批次"),
    ("monitoring_layout.save", "修改监测系统导出模板"),
    ("supervision_flag.run", "每日监管预警检查（新发现与消除）"),
    ("supervision_flag.acknowledge", "知悉监管预警"),
    ("supervision_flag.note", "备注监管预警"),
    ("supervision_flag.close", "办结监管预警"),
    ("commendation.create", "记录表彰"),
    ("report.create", "发起半年调度"),
    ("report.draft", "保存调度报表（文字部分与数字修改）"),
    ("report.upload", "上传离线填报的统计表（修改统计数字）"),
    ("report.table", "上传统计表样式"),
    ("report.submit", "报送调度报表"),
    ("report.approve", "审核通过调度报表"),
    ("report.return", "退回调度报表"),
    ("report.request_reopen", "申请重新打开调度报表"),
    ("report.grant_reopen", "同意重新打开调度报表"),
    ("report.refuse_reopen", "不同意重新打开调度报表"),
    ("pairing_adjustment.approve", "同意结对调整"),
    ("pairing_adjustment.reject", "驳回结对调整"),
    ("pairing_adjustment.request", "申请结对调整"),
    ("pairing_batch.create", "创建结对批次"),
    ("pairing_batch.publish", "发布结对名单"),
    ("pairing_intent.set", "填报结对意愿"),
    ("pairing_team.create", "组建帮扶团"),
    ("pairing_team.sign", "上传帮扶团已签协议"),
    ("pairing_plan.add_item", "在方案中增加结对"),
    ("pairing_plan.remove_item", "从方案中移除结对"),
    ("pairing_plan.restore_item", "恢复方案中的结对"),
    ("pairing_plan.create", "生成结对方案"),
    ("pairing_plan.send", "发送结对方案"),
    ("reference.load", "载入参考数据"),
    ("user.create", "新建账号"),
    ("user.login", "登录"),
    ("user.login_failed", "登录失败"),
    ("user.sessions_revoked", "注销登录会话"),
    ("user.update", "修改账号"),
];

/// What an audit action did, in words.
pub fn action(code: &str) -> String {
    let fixed = NAMED_ACTIONS.iter().find(|(c, _)| *c == code).map_or("", |(_, w)| *w);
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    if let Some(step) = code.strip_prefix("pairing.") {
        use duijie_domain::pairing::Step::*;
        if let Some(s) = [OrgConsent, CountyConsent, Decline, Withdraw, Sign, Activate, End, Replace].into_iter().find(|s| s.key() == step) {
            return s.label().to_string();
        }
    }
    if let Some(status) = code.strip_prefix("demand.").and_then(duijie_domain::demand::Status::parse) {
        return format!("需求{}", status.label());
    }
    if let Some(rest) = code.strip_prefix("organization.") {
        return format!("变更社会组织信息（{}）", field(rest));
    }
    code.to_string()
}

/// The kind of record an audit row is about, in words.
pub fn entity(kind: &str) -> &str {
    match kind {
        "attachment" => "组织材料",
        "commendation" => "表彰",
        "complaint" => "投诉举报",
        "cooperation_tie" => "协作关系",
        "demand" => "需求",
        "designation" => "认定",
        "enrolment" => "行动报名",
        "import" => "导入",
        "liaison" => "联络员",
        "match" => "对接",
        "monitoring_batch" => "监测系统导出批次",
        "monitoring_layout" => "监测系统导出模板",
        "supervision_flag" => "监管预警",
        "offer" => "供给项目",
        "org_member" => "会员企业",
        "organization" => "社会组织",
        "pairing" => "结对",
        "pairing_adjustment" => "结对调整",
        "pairing_batch" => "结对批次",
        "pairing_plan" => "结对方案",
        "pairing_team" => "帮扶团",
        "project" => "帮扶项目",
        "project_import" => "项目明细表导入",
        "project_natures" => "项目性质列表",
        "report" => "半年调度",
        "report_table" => "统计表样式",
        "report_unit" => "调度报表",
        "reference" => "参考数据",
        "region" => "区划",
        "user" => "账号",
        other => other,
    }
}

/// The kinds of record, for the audit page's filter.
pub const ENTITIES: &[&str] = &[
    "demand", "offer", "match", "organization", "pairing", "pairing_batch", "pairing_adjustment", "pairing_plan", "pairing_team", "project", "report", "report_unit", "monitoring_batch", "complaint", "designation", "liaison", "enrolment", "user", "region",
];

/// The twelve-digit codes (villages) an audit row's JSON mentions.
pub fn village_codes(json: &str) -> impl Iterator<Item = &str> {
    json.split('"').filter(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
}

/// The page of the record, where it has one.
pub fn link(kind: &str, id: &str) -> Option<String> {
    if kind == "report_unit" {
        // `report:unit code`
        let (report, unit) = id.split_once(':')?;
        return (report.chars().all(|c| c.is_ascii_digit()) && unit.chars().all(|c| c.is_ascii_digit())).then(|| format!("/reports/{report}/units/{unit}"));
    }
    let page = match kind {
        "report" => "reports",
        "monitoring_batch" => "monitoring/batches",
        "complaint" => "complaints",
        "demand" => "demands",
        "offer" => "offers",
        "organization" => "orgs",
        "pairing" => "pairing",
        "pairing_adjustment" => "pairing/adjustments",
        "pairing_plan" => "pairing/plans",
        "pairing_team" => "pairing/teams",
        "project" => "projects",
        "region" => "regions",
        _ => return None,
    };
    id.chars().all(|c| c.is_ascii_digit()).then(|| format!("/{page}/{id}"))
}

/// A field's name in words.
pub fn field(key: &str) -> &str {
    match key {
        "active" => "启用",
        "address" => "地址",
        "approval" => "审核状态",
        "approval_note" => "审核意见",
        "batch_id" | "batch_name" => "批次",
        "beneficiary_count" => "受益人数",
        "beneficiary_group" => "受益群体",
        "capacity" => "可承接数",
        "client" => "登录地址",
        "throttled" => "已暂停登录",
        "close_reason" => "关闭原因",
        "closed_at" => "关闭时间",
        "closed_by" => "关闭人",
        "commitments" => "帮扶内容与承诺",
        "contact_name" => "联系人",
        "contact_phone" => "联系电话",
        "county_code" => "所在县",
        "county_consent_at" => "县级同意时间",
        "county_consent_by" => "县级同意人",
        "credit_code" | "org_credit_code" => "统一社会信用代码",
        "credit_list" => "信用名单",
        "credit_list_reason" => "列入信用名单原因",
        "deadline" => "截止日期",
        "decided_at" => "答复时间",
        "decided_by" => "答复人",
        "decline_reason" => "谢绝原因",
        "delisted_at" => "移出名单时间",
        "demand" | "demand_id" | "demand_title" => "需求",
        "demand_region" => "需求地区",
        "description" => "说明",
        "designations" => "认定",
        "display_name" => "姓名",
        "doc_no" => "文号",
        "done_at" => "完成时间",
        "east" => "东部地区",
        "west" => "西部地区",
        "featured" => "推荐展示",
        "field" | "fields" => "帮扶领域",
        "funds_fen" => "资金（万元）",
        "hidden_reason" => "下架原因",
        "household" => "帮扶户",
        "initiated_by" => "发起方",
        "is_demo" => "演示数据",
        "is_wish" => "微心愿",
        "kind" => "类型",
        "listed_at" => "列入名单时间",
        "locked" => "锁定",
        "matched_at" => "对接时间",
        "member_id" => "会员企业",
        "mode" => "帮扶方式",
        "name" => "名称",
        "note" => "备注",
        "offer_id" => "供给项目",
        "org_consent_at" => "组织同意时间",
        "org_consent_by" => "组织同意人",
        "org_id" | "org_name" => "社会组织",
        "org_region" => "组织登记地",
        "org_supervisor" | "supervisor" => "业务主管单位",
        "org_type" => "组织类型",
        "party_org" => "建立党组织",
        "people" => "人员（人）",
        "period_start" => "开始日期",
        "period_end" => "结束日期",
        "plan_id" => "结对方案",
        "preferred" => "意向地区",
        "published_at" => "发布时间",
        "published_by" => "发布单位",
        "rating" => "评估等级",
        "reasons" => "推荐理由",
        "reg_level" => "登记层级",
        "region_code" | "regions" => "地区",
        "role" => "角色",
        "score" => "匹配分",
        "sign_deadline" => "签约截止日期",
        "signed_at" => "签约时间",
        "signed_by" => "签约上传人",
        "signed_file_id" => "已签协议",
        "source" => "依据",
        "started_at" => "开始实施时间",
        "status" => "状态",
        "submitted_at" => "提交时间",
        "taken" => "已承接数",
        "target_kind" => "帮扶对象",
        "target_label" => "结对对象",
        "target_regions" => "面向地区",
        "team_id" => "组团",
        "team_name" => "帮扶团",
        "team_lead" | "lead_org_id" | "lead_name" => "牵头单位",
        "team_role" => "团内分工",
        "members" => "成员",
        "file_name" => "文件名",
        "pairing_ids" => "结对",
        "term_start" => "结对开始日期",
        "term_end" => "结对结束日期",
        "title" => "标题",
        "unit_region" => "录入单位",
        "urgency" => "紧急程度",
        "username" => "登录名",
        "village_name" => "村名",
        "activated_at" => "生效时间",
        "activated_by" => "确认生效人",
        "actual_funds_fen" => "已投入资金（万元）",
        "beneficiaries" => "受益人数",
        "beneficiary_groups" => "受益群体",
        "nature" => "项目性质",
        "start_date" => "开始日期",
        "end_date" => "结束日期",
        "stop_reason" => "终止原因",
        "confirmed_by" => "确认单位",
        "pairing_id" => "结对",
        "match_id" => "对接",
        "progress_id" => "进展",
        "on" => "进展日期",
        "files" => "佐证材料",
        "digest" => "文件摘要（SM3）",
        "project_count" => "项目数",
        "project_ids" => "帮扶项目",
        "action_id" => "专项行动编号",
        "action_name" => "所属专项行动",
        "natures" => "项目性质",
        "category" => "类别",
        "place_region" => "发生地点",
        "office_region" => "办理机关所在地",
        "anonymous" => "匿名",
        "due_on" => "办结时限",
        "handler" => "承办人",
        "outcome" => "办理结果",
        "viewed" => "查看内容",
        other => other,
    }
}

/// Fields that are bookkeeping, not content: not listed as changes.
const NOT_SHOWN: &[&str] = &["id", "version", "updated_at", "created_at", "created_by", "proposed_at", "proposed_by", "provenance", "is_demo", "prev_hash", "hash"];

/// A value as people read it.
/// How region codes read: the tree above village level, and the villages an
/// audit page mentions (looked up once per page; they are not in the tree).
pub struct Places<'a> {
    pub tree: &'a RegionTree,
    pub villages: &'a std::collections::HashMap<String, String>,
}

impl Places<'_> {
    /// 云南省昭通市彝良县, or for a village 云南省昭通市彝良县洛泽河镇花桥村.
    pub fn name(&self, code: &RegionCode) -> String {
        match self.villages.get(code.as_str()) {
            Some(v) => format!("{}{v}", code.parent().map(|t| self.tree.full_name(&t)).unwrap_or_default()),
            None => self.tree.full_name(code),
        }
    }
}

fn value(key: &str, v: &Value, places: &Places<'_>) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => if *b { "是" } else { "否" }.into(),
        Value::Number(n) => match (key, n.as_i64()) {
            ("funds_fen" | "actual_funds_fen", Some(f)) => wan(&f),
            (k, Some(t)) if k.ends_with("_at") => fmt_time(t),
            _ => n.to_string(),
        },
        Value::String(s) if s.is_empty() => "（空）".into(),
        Value::String(s) if s == "unknown" => "未知".into(),
        // A recommendation's reasons, kept as JSON text: 同一县 +40、领域相符 +30.
        Value::String(s) if key == "reasons" => serde_json::from_str::<Vec<Value>>(s)
            .map(|rs| rs.iter().map(|r| format!("{} +{}", r["label"].as_str().unwrap_or(""), r["points"])).collect::<Vec<_>>().join("、"))
            .unwrap_or_default(),
        // A project's origin (a designation's source is free text and stays as written).
        Value::String(s) if key == "source" && matches!(s.as_str(), "match" | "pairing" | "direct") => duijie_domain::project::Source::label_of(s).into(),
        Value::String(s) if key == "mode" && duijie_domain::demand::MODES.iter().any(|(k, _)| k == s) => {
            duijie_domain::demand::MODES.iter().find(|(k, _)| k == s).map_or_else(String::new, |(_, l)| l.to_string())
        }
        Value::String(s) if key == "initiated_by" => Initiator::parse(s).map_or_else(|| s.clone(), |i| i.label().into()),
        Value::String(s) if key == "category" && duijie_domain::complaint::Category::parse(s).is_some() => {
            duijie_domain::complaint::Category::parse(s).map_or_else(String::new, |c| c.label().into())
        }
        Value::String(s) if key == "outcome" && !duijie_domain::complaint::kind_label(s).is_empty() => duijie_domain::complaint::kind_label(s).into(),
        Value::String(s) if key == "credit_list" && matches!(duijie_domain::org::CreditList::parse(s), Ok(Some(_))) => {
            duijie_domain::org::CreditList::parse(s).ok().flatten().map_or_else(String::new, |l| l.label().into())
        }
        Value::String(s) => {
            if (key.ends_with("region") || key == "region_code" || key == "county_code")
                && let Ok(code) = RegionCode::parse(s)
            {
                return places.name(&code);
            }
            if key == "status" {
                if let Some(st) = duijie_domain::demand::Status::parse(s) {
                    return st.label().into();
                }
                if let Some(st) = duijie_domain::pairing::Status::parse(s) {
                    return st.label().into();
                }
                if let Some(st) = MatchStatus::parse(s) {
                    return st.label().into();
                }
                if let Some(st) = duijie_domain::complaint::Status::parse(s).filter(|st| st.is_open() || *st == duijie_domain::complaint::Status::Rectifying) {
                    return st.label().into();
                }
                let word = match s.as_str() {
                    "closed" => "已关闭",
                    "hidden" => "已下架",
                    "approved" => "已通过",
                    "rejected" => "已驳回",
                    "planned" => "计划中",
                    "stopped" => "已终止",
                    _ => "",
                };
                if !word.is_empty() {
                    return word.into();
                }
            }
            s.clone()
        }
        Value::Array(items) => items.iter().map(|i| value(key, i, places)).collect::<Vec<_>>().join("、"),
        Value::Object(_) => "（详见记录）".into(),
    }
}

/// What changed, as 字段：旧值 → 新值 (a new record: its content; a removed one: what it was).
pub fn changes(before: Option<&str>, after: Option<&str>, places: &Places<'_>) -> Vec<String> {
    let parse = |j: Option<&str>| j.and_then(|j| serde_json::from_str::<Value>(j).ok());
    let (before, after) = (parse(before), parse(after));
    let empty = serde_json::Map::new();
    let obj = |v: &Option<Value>| match v {
        Some(Value::Object(m)) => Some(m.clone()),
        _ => None,
    };
    let (b, a) = (obj(&before), obj(&after));
    let mut keys: Vec<&String> = a.as_ref().unwrap_or(&empty).keys().chain(b.as_ref().unwrap_or(&empty).keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        if NOT_SHOWN.contains(&k.as_str()) {
            continue;
        }
        let old = b.as_ref().and_then(|m| m.get(k));
        let new = a.as_ref().and_then(|m| m.get(k));
        match (old, new) {
            (Some(o), Some(n)) if o != n => out.push(format!("{}：{} → {}", field(k), value(k, o, places), value(k, n, places))),
            (None, Some(n)) if !is_blank(n) => out.push(format!("{}：{}", field(k), value(k, n, places))),
            (Some(o), None) if b.is_some() && a.is_none() && !is_blank(o) => out.push(format!("{}：{}（已删除）", field(k), value(k, o, places))),
            _ => {}
        }
    }
    out
}

fn is_blank(v: &Value) -> bool {
    matches!(v, Value::Null) || v.as_str().is_some_and(str::is_empty) || v.as_array().is_some_and(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action name the store writes as a literal has words.
    #[test]
    fn every_recorded_action_is_described_in_chinese() {
        let store = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src");
        let mut files = vec![store.clone()];
        let mut missing = Vec::new();
        let mut seen = 0;
        while let Some(p) = files.pop() {
            if p.is_dir() {
                files.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for part in text.split("action: \"").skip(1) {
                let name = part.split('"').next().unwrap_or("");
                seen += 1;
                if action(name) == name {
                    missing.push(name.to_string());
                }
            }
        }
        assert!(seen > 20, "the store's audit actions should be found ({seen})");
        assert!(missing.is_empty(), "audit actions without words: {missing:?}");
        for dynamic in ["complaint.assign", "complaint.step", "complaint.ask", "complaint.answer", "complaint.close", "complaint.follow_up", "supervision_flag.acknowledge", "supervision_flag.note", "supervision_flag.close", "report.draft", "report.upload", "report.approve", "report.grant_reopen", "pairing.org_consent", "pairing.activate", "demand.published", "demand.submitted", "match.propose_by_org", "match.declined"] {
            assert_ne!(action(dynamic), dynamic);
        }
    }

    #[test]
    fn a_change_reads_as_field_old_and_new_in_words() {
        let tree = RegionTree::default();
        let villages = std::collections::HashMap::new();
        let tree = Places { tree: &tree, villages: &villages };
        let before = r#"{"id": 3, "status": "submitted", "funds_fen": 12500000, "title": "修缮", "updated_at": 1}"#;
        let after = r#"{"id": 3, "status": "published", "funds_fen": 15000000, "title": "修缮", "updated_at": 2}"#;
        assert_eq!(changes(Some(before), Some(after), &tree), vec!["资金（万元）：12.50 → 15.00", "状态：待审核 → 已发布"]);
        let created = changes(None, Some(r#"{"id": 9, "title": "助学", "is_wish": true, "note": ""}"#), &tree);
        assert_eq!(created, vec!["微心愿：是", "标题：助学"]);
    }
}

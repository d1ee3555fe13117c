//! Assistance projects (帮扶项目): what an organisation actually does for a
//! region — under a confirmed match, under an active pairing, or recorded
//! directly — and how it moves from planned to done.
//!
//! Guarantees:
//! - A project moves only along [`advance`]: planned → in progress (its first
//!   progress update, or the start of its demand's work) → done, and done only
//!   through [`Step::Confirm`], the helped county's confirmation (受益方确认);
//!   a planned or running project may be stopped with a reason. Done and
//!   stopped projects never move again.
//! - [`NewProject::parse`] is the one reading of what a person typed (page
//!   form, API body, later an import row): money in 万元 with at most two
//!   decimals becomes integer fen, counts are whole numbers in range, dates are
//!   real dates with the end not before the start, and the nature is one of
//!   the natures the caller's province uses. Text in a numeric field is a
//!   field error in Chinese naming the field; nothing is guessed or stored.

use crate::{FieldError, RegionCode};
use serde::{Deserialize, Serialize};

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Planned,
    InProgress,
    Done,
    Stopped,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Planned, Status::InProgress, Status::Done, Status::Stopped];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.as_str() == s.trim() || k.label() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Planned => "计划中",
            Status::InProgress => "实施中",
            Status::Done => "已完成",
            Status::Stopped => "已终止",
        }
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Status::Done | Status::Stopped)
    }
}

crate::stored_as_text!(Status, "项目状态");

/// Something done to a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Work begins (the first progress update).
    Start,
    /// The helped county confirms the work is done (受益方确认).
    Confirm,
    /// The organisation stops the project, with a reason.
    Stop,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Start => "开始实施",
            Step::Confirm => "确认完成",
            Step::Stop => "终止",
        }
    }
}

/// The status after `step`, or why it is not possible now.
pub fn advance(status: Status, step: Step) -> Result<Status, String> {
    if status.is_closed() {
        return Err(format!("该项目{}，不能再{}", status.label(), step.label()));
    }
    match (status, step) {
        (Status::Planned, Step::Start) => Ok(Status::InProgress),
        (Status::InProgress, Step::Confirm) => Ok(Status::Done),
        (Status::Planned | Status::InProgress, Step::Stop) => Ok(Status::Stopped),
        (Status::Planned, Step::Confirm) => Err("项目尚未开始实施（还没有进展记录），不能确认完成".into()),
        _ => Err(format!("当前状态为“{}”，不能{}", status.label(), step.label())),
    }
}

/// Where a project came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A confirmed match (对接) of a demand.
    Match,
    /// An organisation's project under one of its active pairings.
    Pairing,
    /// Recorded directly by the organisation.
    Direct,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Match => "match",
            Source::Pairing => "pairing",
            Source::Direct => "direct",
        }
    }

    pub fn label_of(s: &str) -> &'static str {
        match s {
            "match" => "供需对接",
            "pairing" => "结对帮扶",
            _ => "自行录入",
        }
    }
}

/// The natures of Jiangsu's 附件2, which the platform seeds for every
/// province (a province may later keep its own list).
pub const DEFAULT_NATURES: [&str; 8] = ["民生帮扶", "产业帮扶", "消费帮扶", "教育帮扶", "生态帮扶", "医疗卫生帮扶", "志愿服务", "其他"];

/// The longest name of a nature, and the most natures a province keeps.
pub const MAX_NATURE_CHARS: usize = 20;
pub const MAX_NATURES: usize = 50;

/// A province's list of natures as given, in order: every name trimmed,
/// non-empty, at most [`MAX_NATURE_CHARS`] characters and given once; at
/// least one and at most [`MAX_NATURES`]. Every bad name is named (field
/// `natures`, by its place in the list), in Chinese.
pub fn check_natures(names: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let n = name.trim();
        let at = i + 1;
        if n.is_empty() {
            errors.push(FieldError::new("natures", format!("第 {at} 项：名称不能为空")));
        } else if n.chars().count() > MAX_NATURE_CHARS {
            errors.push(FieldError::new("natures", format!("第 {at} 项“{n}”超过 {MAX_NATURE_CHARS} 个字")));
        } else if out.iter().any(|o| o == n) {
            errors.push(FieldError::new("natures", format!("第 {at} 项“{n}”与前面的重复")));
        } else {
            out.push(n.to_string());
        }
    }
    if names.is_empty() {
        errors.push(FieldError::new("natures", "至少保留一个项目性质"));
    }
    if names.len() > MAX_NATURES {
        errors.push(FieldError::new("natures", format!("项目性质最多 {MAX_NATURES} 个")));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// The largest count accepted for people or beneficiaries.
pub const MAX_COUNT: i64 = 100_000_000;

/// What a person typed for a project, field by field (the region already
/// read into a code by the caller, or why it could not be).
#[derive(Debug, Clone, Copy, Default)]
pub struct Typed<'a> {
    pub title: &'a str,
    pub nature: &'a str,
    pub field: &'a str,
    pub mode: &'a str,
    pub planned_funds_wan: &'a str,
    pub actual_funds_wan: &'a str,
    pub people: &'a str,
    pub beneficiaries: &'a str,
    pub beneficiary_groups: &'a str,
    pub start_date: &'a str,
    pub end_date: &'a str,
    pub description: &'a str,
}

/// A project as checked, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    pub title: String,
    pub region: RegionCode,
    pub nature: String,
    pub field: String,
    /// `relief` (输血) or `capacity` (造血).
    pub mode: String,
    pub planned_funds_fen: i64,
    pub actual_funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
    /// `、`-joined beneficiary groups.
    pub beneficiary_groups: String,
    /// ISO dates, or empty.
    pub start_date: String,
    pub end_date: String,
    pub description: String,
}

/// Money in 万元 as typed into `field`: fen, or the field's error.
pub fn parse_money(field: &str, label: &str, text: &str) -> Result<i64, FieldError> {
    crate::pairing::parse_wan(text).map_err(|m| FieldError::new(field, format!("{label}：{m}")))
}

/// A whole number 0..=[`MAX_COUNT`] typed into `field` (empty is 0).
pub fn parse_count(field: &str, label: &str, text: &str) -> Result<i64, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=MAX_COUNT).contains(&n) => Ok(n),
        Ok(_) => Err(FieldError::new(field, format!("{label}应为 0 到 {MAX_COUNT} 之间的整数"))),
        Err(_) => Err(FieldError::new(field, format!("{label}应为整数（人数），而不是“{t}”"))),
    }
}

/// An ISO date typed into `field` in any form officers use; empty stays empty.
pub fn parse_day(field: &str, label: &str, text: &str) -> Result<String, FieldError> {
    if text.trim().is_empty() {
        return Ok(String::new());
    }
    crate::date::parse_date(text)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| FieldError::new(field, format!("{label}不是有效的日期，例如 2026-06-30")))
}

/// A month as `YYYY-MM` (also read: `2026-3`, `2026/03`, `2026年3月`), or ''
/// for none; anything else is an error on `field`.
pub fn parse_month(field: &str, label: &str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    let day = format!("{}-01", t.trim_end_matches('月').replace(['年', '/'], "-"));
    chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2100).contains(&chrono::Datelike::year(d)))
        .map(|d| d.format("%Y-%m").to_string())
        .ok_or_else(|| FieldError::new(field, format!("{label}不是有效的月份，例如 2026-03")))
}

/// The value, or `dflt` with the error noted.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>, dflt: T) -> T {
    r.unwrap_or_else(|e| {
        errors.push(e);
        dflt
    })
}

impl NewProject {
    /// Reads a project: every bad field is named, in Chinese; `natures` are
    /// those the caller's province uses.
    pub fn parse(t: &Typed<'_>, region: Result<RegionCode, String>, natures: &[String]) -> Result<NewProject, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = t.title.trim();
        let title_ok = !title.is_empty() && title.chars().count() <= 100;
        let region = keep(&mut errors, region.map(Some).map_err(|m| FieldError::new("region", m)), None);
        let nature = t.nature.trim();
        let nature_ok = natures.iter().any(|n| n == nature);
        let field = t.field.trim();
        let field_ok = field.is_empty() || crate::org::FIELDS.contains(&field);
        let mode = t.mode.trim();
        let mode_ok = mode.is_empty() || crate::demand::MODES.iter().any(|(k, _)| *k == mode);
        let planned = keep(&mut errors, parse_money("planned_funds_wan", "计划投入资金", t.planned_funds_wan), 0);
        let actual = keep(&mut errors, parse_money("actual_funds_wan", "实际投入资金", t.actual_funds_wan), 0);
        let people = keep(&mut errors, parse_count("people", "投入人员数", t.people), 0);
        let beneficiaries = keep(&mut errors, parse_count("beneficiaries", "受益人数", t.beneficiaries), 0);
        let start = keep(&mut errors, parse_day("start_date", "开始日期", t.start_date), String::new());
        let end = keep(&mut errors, parse_day("end_date", "结束日期", t.end_date), String::new());
        let mut groups: Vec<&str> = Vec::new();
        let mut bad_group = None;
        for g in t.beneficiary_groups.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|s| !s.is_empty()) {
            match crate::demand::GROUPS.iter().find(|k| **k == g) {
                Some(k) if !groups.contains(k) => groups.push(k),
                Some(_) => {}
                None => bad_group = Some(g.to_string()),
            }
        }
        if !title_ok {
            errors.push(FieldError::new("title", "请填写项目名称（100 字以内）"));
        }
        if !nature_ok {
            errors.push(FieldError::new("nature", format!("请选择项目性质：{}", natures.join("、"))));
        }
        if !field_ok {
            errors.push(FieldError::new("field", format!("未知的帮扶领域“{field}”，可选：{}", crate::org::FIELDS.join("、"))));
        }
        if !mode_ok {
            errors.push(FieldError::new("mode", "帮扶方式应为输血或造血"));
        }
        if let Some(g) = bad_group {
            errors.push(FieldError::new("beneficiary_groups", format!("未知的受益群体“{g}”，可选：{}", crate::demand::GROUPS.join("、"))));
        }
        if !start.is_empty() && !end.is_empty() && end < start {
            errors.push(FieldError::new("end_date", "结束日期不能早于开始日期"));
        }
        if t.description.chars().count() > 3000 {
            errors.push(FieldError::new("description", "项目说明不能超过 3000 字"));
        }
        match region {
            Some(region) if errors.is_empty() => Ok(NewProject {
                title: title.to_string(),
                region,
                nature: nature.to_string(),
                field: field.to_string(),
                mode: mode.to_string(),
                planned_funds_fen: planned,
                actual_funds_fen: actual,
                people,
                beneficiaries,
                beneficiary_groups: groups.join("、"),
                start_date: start,
                end_date: end,
                description: t.description.trim().to_string(),
            }),
            _ => Err(errors),
        }
    }
}

/// A progress update as checked: the date, what was done, and the figures so
/// far — each `None` when left empty, which keeps the project's current figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgress {
    /// ISO date.
    pub on: String,
    pub note: String,
    /// Cumulative funds spent so far, in fen.
    pub funds_fen: Option<i64>,
    pub people: Option<i64>,
    pub beneficiaries: Option<i64>,
}

/// `None` for an empty field, else what `parse` reads.
fn unless_empty<T>(text: &str, parse: impl FnOnce(&str) -> Result<T, FieldError>) -> Result<Option<T>, FieldError> {
    if text.trim().is_empty() { Ok(None) } else { parse(text).map(Some) }
}

impl NewProgress {
    /// Reads a progress update; `today` bounds its date (no updates from the future).
    pub fn parse(on: &str, note: &str, funds_wan: &str, people: &str, beneficiaries: &str, today: chrono::NaiveDate) -> Result<NewProgress, Vec<FieldError>> {
        let mut errors = Vec::new();
        let on = keep(&mut errors, parse_day("on", "日期", on), String::new());
        let funds_fen = keep(&mut errors, unless_empty(funds_wan, |t| parse_money("funds_wan", "累计投入资金", t)), None);
        let people = keep(&mut errors, unless_empty(people, |t| parse_count("people", "累计投入人员数", t)), None);
        let beneficiaries = keep(&mut errors, unless_empty(beneficiaries, |t| parse_count("beneficiaries", "累计受益人数", t)), None);
        if on.is_empty() && !errors.iter().any(|e| e.field == "on") {
            errors.push(FieldError::new("on", "请填写进展日期"));
        } else if on > today.format("%Y-%m-%d").to_string() {
            errors.push(FieldError::new("on", "进展日期不能晚于今天"));
        }
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 2000 {
            errors.push(FieldError::new("note", "请填写本次进展（2000 字以内）"));
        }
        if errors.is_empty() { Ok(NewProgress { on, note: note.to_string(), funds_fen, people, beneficiaries }) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn natures() -> Vec<String> {
        DEFAULT_NATURES.iter().map(|s| s.to_string()).collect()
    }

    fn typed() -> Typed<'static> {
        Typed { title: "乡村学校午餐改善", nature: "教育帮扶", field: "教育", mode: "relief", planned_funds_wan: "12.5", actual_funds_wan: "", people: "6", beneficiaries: "320", beneficiary_groups: "三留守人员、脱贫人口", start_date: "2026/3/1", end_date: "2026年12月31日", description: "" }
    }

    #[test]
    fn a_month_is_read_in_the_ways_people_write_it_and_nothing_else() {
        for text in ["2026-03", "2026-3", "2026/03", "2026年3月"] {
            assert_eq!(parse_month("started", "开始月份", text), Ok("2026-03".to_string()), "{text}");
        }
        assert_eq!(parse_month("started", "开始月份", " "), Ok(String::new()));
        for bad in ["2026-13", "三月", "2026-03-01", "0001-01"] {
            let e = parse_month("started", "开始月份", bad).unwrap_err();
            assert_eq!((e.field.as_str(), e.message.as_str()), ("started", "开始月份不是有效的月份，例如 2026-03"), "{bad}");
        }
    }

    #[test]
    fn a_project_is_done_only_after_the_county_confirms_and_closed_ones_stay_closed() {
        assert_eq!(advance(Status::Planned, Step::Start), Ok(Status::InProgress));
        assert!(advance(Status::Planned, Step::Confirm).is_err(), "nothing done yet");
        assert_eq!(advance(Status::InProgress, Step::Confirm), Ok(Status::Done));
        assert_eq!(advance(Status::InProgress, Step::Stop), Ok(Status::Stopped));
        for closed in [Status::Done, Status::Stopped] {
            for step in [Step::Start, Step::Confirm, Step::Stop] {
                assert!(advance(closed, step).is_err(), "{closed:?} {step:?}");
            }
        }
        assert_eq!(Status::parse("in_progress"), Some(Status::InProgress));
        assert_eq!(Status::parse("已终止"), Some(Status::Stopped));
    }

    #[test]
    fn a_project_parses_money_to_fen_and_dates_to_iso() {
        let p = NewProject::parse(&typed(), Ok(RegionCode::parse("530628").unwrap()), &natures()).unwrap();
        assert_eq!((p.planned_funds_fen, p.actual_funds_fen, p.people, p.beneficiaries), (12_500_000, 0, 6, 320));
        assert_eq!((p.start_date.as_str(), p.end_date.as_str()), ("2026-03-01", "2026-12-31"));
        assert_eq!(p.beneficiary_groups, "三留守人员、脱贫人口");
    }

    #[test]
    fn text_in_a_numeric_field_is_a_field_error_naming_the_field() {
        let t = Typed { planned_funds_wan: "约十万", people: "若干", beneficiaries: "-3", nature: "扶贫", end_date: "2025-01-01", ..typed() };
        let errors = NewProject::parse(&t, Err("找不到该地区".into()), &natures()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["planned_funds_wan", "people", "beneficiaries", "nature", "end_date", "region"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert!(errors.iter().find(|e| e.field == "planned_funds_wan").unwrap().message.contains("计划投入资金"));
        assert!(errors.iter().all(|e| !e.message.is_ascii()), "messages are Chinese");
    }

    #[test]
    fn a_provinces_natures_are_named_short_and_once() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(check_natures(&list(&[" 产业帮扶 ", "消费帮扶"])).unwrap(), ["产业帮扶", "消费帮扶"]);
        let e = check_natures(&list(&["产业帮扶", " ", "乡村振兴人才培育与引进和返乡创业就业扶持计划", "产业帮扶"])).unwrap_err();
        let messages: Vec<&str> = e.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("第 2 项") && messages[1].contains("超过 20 个字") && messages[2].contains("重复"), "{messages:?}");
        assert!(check_natures(&[]).is_err(), "a province keeps at least one");
        assert!(check_natures(&(0..60).map(|i| format!("性质{i}")).collect::<Vec<_>>()).is_err(), "at most 50");
    }

    #[test]
    fn progress_needs_a_date_not_in_the_future_and_a_note() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let p = NewProgress::parse("2026-06-01", "采购课桌椅", "3.25", "4", "120", today).unwrap();
        assert_eq!((p.funds_fen, p.people, p.beneficiaries), (Some(3_250_000), Some(4), Some(120)));
        let kept = NewProgress::parse("2026-06-02", "回访", "", "", " ", today).unwrap();
        assert_eq!((kept.funds_fen, kept.people, kept.beneficiaries), (None, None, None), "empty figures keep the project's");
        let e = NewProgress::parse("2026-07-01", " ", "三万", "", "", today).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["funds_wan", "on", "note"]);
    }
}

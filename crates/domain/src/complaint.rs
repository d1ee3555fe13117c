//! Complaints and their investigation (投诉举报与查处): the categories, the
//! handling office a complaint is routed to, the receipt number, the state
//! machine of the handling and the outcomes it closes with.
//!
//! Guarantees:
//! - [`advance`] is the only way a complaint's status moves; every pair of
//!   status and step it does not list is refused with a Chinese message
//!   (a closed complaint takes no step at all).
//! - [`office_for`] routes a complaint about a registered organisation to the
//!   civil-affairs office of its registration authority (the organisation's
//!   region), and one about an unregistered group to the county where it
//!   happened.
//! - A receipt number ([`Receipt`]) carries 75 random bits and a check digit:
//!   it is not derived from the complaint's id, so receipts cannot be guessed
//!   or enumerated, and most mistyped ones are refused before any lookup.
//! - [`Outcome::parse`] names every missing or bad field of an outcome; a
//!   credit-list entry needs a registered organisation, a reason and a
//!   document number.
//! - [`DUE_DAYS`] is the handling deadline: a complaint is due that many days
//!   after it was filed.

use crate::org::CreditList;
use crate::{FieldError, Level, RegionCode};
use chrono::NaiveDate;
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Days from filing within which a complaint should be closed (办结时限).
/// The due date is stored on the complaint, so that "open past its deadline"
/// is a query on `complaints (status, due_on)`.
pub const DUE_DAYS: i64 = 60;

/// Evidence files one complaint, step or answer keeps at most.
pub const MAX_FILES: usize = 5;

/// Largest evidence file, in bytes (anyone may upload: kept small, so that a
/// form with every file at its largest stays under the server's default
/// upload limit of 20 MB).
pub const MAX_FILE_BYTES: usize = 3 * 1024 * 1024;

/// Complaints accepted from one client address per hour (the public page
/// and the public API count together; every attempt counts).
pub const FILINGS_PER_HOUR: i64 = 10;

/// Longest description, answer or note, in characters.
pub const MAX_TEXT: usize = 5000;

/// What a complaint is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 乱收费
    Fees,
    /// 违规募捐
    Fundraising,
    /// 摊派
    Levy,
    /// 虚假宣传
    FalseClaims,
    /// 违规使用资金
    Funds,
    /// 冒用名义/非法社会组织
    Illegal,
    /// 其他
    Other,
}

impl Category {
    pub const ALL: [Category; 7] =
        [Category::Fees, Category::Fundraising, Category::Levy, Category::FalseClaims, Category::Funds, Category::Illegal, Category::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Fees => "fees",
            Category::Fundraising => "fundraising",
            Category::Levy => "levy",
            Category::FalseClaims => "false_claims",
            Category::Funds => "funds",
            Category::Illegal => "illegal",
            Category::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Fees => "乱收费",
            Category::Fundraising => "违规募捐",
            Category::Levy => "摊派",
            Category::FalseClaims => "虚假宣传",
            Category::Funds => "违规使用资金",
            Category::Illegal => "冒用名义/非法社会组织",
            Category::Other => "其他",
        }
    }

    /// The key or the Chinese label.
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL.into_iter().find(|c| c.as_str() == s || c.label() == s)
    }
}

crate::stored_as_text!(Category, "投诉类别");

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待分派: filed, no handler yet.
    Received,
    /// 调查中: a handler investigates.
    Investigating,
    /// 待组织答复: the organisation was asked to answer.
    AwaitingAnswer,
    /// 整改中: closed with rectification, the follow-up is not recorded yet.
    Rectifying,
    /// 已办结
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Received, Status::Investigating, Status::AwaitingAnswer, Status::Rectifying, Status::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Investigating => "investigating",
            Status::AwaitingAnswer => "awaiting_answer",
            Status::Rectifying => "rectifying",
            Status::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Received => "已受理，待分派",
            Status::Investigating => "调查中",
            Status::AwaitingAnswer => "待组织答复",
            Status::Rectifying => "整改中",
            Status::Closed => "已办结",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether an outcome has been decided (整改中 or 已办结).
    pub fn is_decided(self) -> bool {
        matches!(self, Status::Rectifying | Status::Closed)
    }

    /// Whether the handling is still open (counts against the deadline).
    pub fn is_open(self) -> bool {
        !self.is_decided()
    }
}

crate::stored_as_text!(Status, "投诉状态");

/// A step of the handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Assign (or reassign) a handler of the office.
    Assign,
    /// Record an investigation step (not a change of status).
    Record,
    /// Ask the organisation to answer.
    AskOrg,
    /// The organisation answers.
    Answer,
    /// Close with an outcome; `rectify` when the outcome is rectification.
    Close { rectify: bool },
    /// Record the follow-up of a rectification.
    FollowUp,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Assign => "分派",
            Step::Record => "记录调查",
            Step::AskOrg => "要求组织答复",
            Step::Answer => "组织答复",
            Step::Close { .. } => "办结",
            Step::FollowUp => "整改复查",
        }
    }
}

/// The status after `step`, or why the step is not possible now.
pub fn advance(from: Status, step: Step) -> Result<Status, String> {
    use Status::*;
    let to = match (from, step) {
        (Received, Step::Assign) => Investigating,
        (Investigating | AwaitingAnswer, Step::Assign | Step::Record) => from,
        (Rectifying, Step::Record) => from,
        (Investigating, Step::AskOrg) => AwaitingAnswer,
        (AwaitingAnswer, Step::Answer) => Investigating,
        (Investigating | AwaitingAnswer, Step::Close { rectify }) => {
            if rectify {
                Rectifying
            } else {
                Closed
            }
        }
        (Rectifying, Step::FollowUp) => Closed,
        (Received, _) => return Err(format!("该投诉尚未分派承办人，不能{}", step.label())),
        (Closed, _) => return Err(format!("该投诉已办结，不能{}", step.label())),
        (Rectifying, _) => return Err(format!("该投诉已作出整改决定，只能记录调查或整改复查，不能{}", step.label())),
        (AwaitingAnswer, Step::AskOrg) => return Err("已要求组织答复，请等待答复".into()),
        (Investigating, Step::Answer) => return Err("办理机关没有要求组织答复，或组织已经答复".into()),
        (Investigating | AwaitingAnswer, Step::FollowUp) => return Err("该投诉尚未作出整改决定，不能整改复查".into()),
    };
    Ok(to)
}

/// The civil-affairs office a complaint goes to: the registration authority
/// of the organisation (its region), or for an unregistered group the county
/// of the place where it happened.
pub fn office_for(org_region: Option<&RegionCode>, place: &RegionCode) -> Option<RegionCode> {
    match org_region {
        Some(r) => Some(r.clone()),
        None => county_of(place),
    }
}

/// The county a place lies in (the place itself if it is a county), or none
/// above county level.
pub fn county_of(place: &RegionCode) -> Option<RegionCode> {
    if place.level() < Level::County {
        return None;
    }
    RegionCode::parse(&place.as_str()[..Level::County.code_len()]).ok()
}

/// Characters of a receipt: Crockford's base32 (no I, L, O, U).
const RECEIPT_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A complaint's receipt number (受理回执号): `TS`, 15 characters of
/// Crockford base32 (75 random bits) and a check digit, printed in groups of
/// four. The check digit catches most mistyped characters (a character typed
/// as its neighbour in the first place always) before any lookup, and makes
/// every receipt hold a digit, so that it reads as a code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Receipt(String);

/// The check digit of a receipt's 15 random characters: their values weighted by position, modulo 10.
fn check_digit(body: &[u8]) -> char {
    let sum: usize = body.iter().enumerate().map(|(i, b)| (i + 1) * RECEIPT_ALPHABET.iter().position(|a| a == b).unwrap_or(0)).sum();
    char::from(b'0' + (sum % 10) as u8)
}

impl Receipt {
    /// A new random receipt.
    pub fn generate() -> Receipt {
        let mut bytes = [0u8; 10];
        rand::rng().fill_bytes(&mut bytes);
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        let chars: String = (0..15).map(|i| char::from(RECEIPT_ALPHABET[((bits >> (i * 5)) & 31) as usize])).collect();
        let check = check_digit(chars.as_bytes());
        Receipt(format!("TS{chars}{check}"))
    }

    /// Reads a receipt as typed: case, spaces and hyphens do not matter,
    /// and O, I, L are read as 0, 1, 1 (Crockford); a wrong check digit is
    /// no receipt.
    pub fn parse(s: &str) -> Option<Receipt> {
        let cleaned: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
        let body = cleaned.strip_prefix("TS")?;
        let body: String = body
            .chars()
            .map(|c| match c {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        let bytes = body.as_bytes();
        let ok = bytes.len() == 16 && bytes[..15].iter().all(|b| RECEIPT_ALPHABET.contains(b)) && char::from(bytes[15]) == check_digit(&bytes[..15]);
        ok.then(|| Receipt(format!("TS{body}")))
    }

    /// The stored form (`TS` and 16 characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The printed form: `TS-` and the sixteen characters in four groups of four, joined by `-`.
    pub fn printed(&self) -> String {
        let body = &self.0[2..];
        let groups: Vec<&str> = (0..4).map(|i| &body[i * 4..i * 4 + 4]).collect();
        format!("TS-{}", groups.join("-"))
    }
}

/// How a complaint was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// 不成立
    Unfounded,
    /// 责令整改, by a deadline (followed up later).
    Rectification { deadline: NaiveDate },
    /// 行政处罚, with the decision's document number (文号).
    Penalty { doc_no: String },
    /// 移交公安机关, on a date, to a receiving unit.
    Transfer { on: NaiveDate, unit: String },
    /// 按非法社会组织移交处置 (referral for an illegal organisation), to a unit.
    IllegalOrg { unit: String },
}

/// The kinds of outcome, as keys and labels (the form's choices).
pub const OUTCOME_KINDS: [(&str, &str); 5] = [
    ("unfounded", "不成立"),
    ("rectification", "责令整改"),
    ("penalty", "行政处罚"),
    ("transfer", "移交公安机关"),
    ("illegal_org", "非法社会组织处置"),
];

/// An outcome as typed (every field text), with an optional credit-list entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutcomeInput {
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub rectify_deadline: String,
    #[serde(default)]
    pub doc_no: String,
    #[serde(default)]
    pub transfer_date: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub summary: String,
    /// `abnormal`, `serious` or empty.
    #[serde(default)]
    pub credit_list: String,
    #[serde(default)]
    pub credit_reason: String,
    #[serde(default)]
    pub credit_doc_no: String,
}

/// A decided outcome with what the office says publicly and the credit-list entry, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub outcome: Outcome,
    /// 办理结果 as told to the complainant (no names of people).
    pub summary: String,
    /// The credit list the organisation is put on, with the reason and the document (文号).
    pub credit: Option<(CreditList, String, String)>,
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Unfounded => "unfounded",
            Outcome::Rectification { .. } => "rectification",
            Outcome::Penalty { .. } => "penalty",
            Outcome::Transfer { .. } => "transfer",
            Outcome::IllegalOrg { .. } => "illegal_org",
        }
    }

    pub fn label(&self) -> &'static str {
        kind_label(self.kind())
    }

    /// Reads an outcome as typed, `today` bounding the dates; every problem is named by its field.
    pub fn parse(input: &OutcomeInput, registered_org: bool, today: NaiveDate) -> Result<Closing, Vec<FieldError>> {
        let mut errors = Vec::new();
        let text = |s: &str| s.trim().to_string();
        let need = |field: &str, value: &str, what: &str, max: usize, errors: &mut Vec<FieldError>| {
            let v = value.trim();
            if v.is_empty() {
                errors.push(FieldError::new(field, format!("请填写{what}")));
            } else if v.chars().count() > max {
                errors.push(FieldError::new(field, format!("{what}不能超过 {max} 字")));
            }
        };
        let outcome = match input.outcome.trim() {
            "unfounded" => Some(Outcome::Unfounded),
            "rectification" => match crate::date::parse_date(&input.rectify_deadline) {
                Some(d) if d > today => Some(Outcome::Rectification { deadline: d }),
                Some(_) => {
                    errors.push(FieldError::new("rectify_deadline", "整改期限应晚于今天"));
                    None
                }
                None => {
                    errors.push(FieldError::new("rectify_deadline", "请填写整改期限（如 2026-12-31）"));
                    None
                }
            },
            "penalty" => {
                need("doc_no", &input.doc_no, "行政处罚决定书文号", 100, &mut errors);
                Some(Outcome::Penalty { doc_no: text(&input.doc_no) })
            }
            "transfer" => {
                need("unit", &input.unit, "接收移交的公安机关", 100, &mut errors);
                match crate::date::parse_date(&input.transfer_date) {
                    Some(d) if d <= today => Some(Outcome::Transfer { on: d, unit: text(&input.unit) }),
                    Some(_) => {
                        errors.push(FieldError::new("transfer_date", "移交日期不能晚于今天"));
                        None
                    }
                    None => {
                        errors.push(FieldError::new("transfer_date", "请填写移交日期（如 2026-06-30）"));
                        None
                    }
                }
            }
            "illegal_org" => {
                need("unit", &input.unit, "处置或移交的单位", 100, &mut errors);
                Some(Outcome::IllegalOrg { unit: text(&input.unit) })
            }
            "" => {
                errors.push(FieldError::new("outcome", "请选择办理结果"));
                None
            }
            other => {
                errors.push(FieldError::new("outcome", format!("办理结果应为不成立、责令整改、行政处罚、移交公安机关或非法社会组织处置，而不是“{other}”")));
                None
            }
        };
        need("summary", &input.summary, "办理情况说明", 1000, &mut errors);
        let credit = match CreditList::parse(&input.credit_list) {
            Err(m) => {
                errors.push(FieldError::new("credit_list", m));
                None
            }
            Ok(None) => None,
            Ok(Some(list)) => {
                if !registered_org {
                    errors.push(FieldError::new("credit_list", "被投诉对象不是登记在册的社会组织，不能列入信用名单"));
                } else if matches!(outcome, Some(Outcome::Unfounded)) {
                    errors.push(FieldError::new("credit_list", "投诉不成立，不能列入信用名单"));
                }
                need("credit_reason", &input.credit_reason, "列入原因", 500, &mut errors);
                need("credit_doc_no", &input.credit_doc_no, "列入决定文号", 100, &mut errors);
                Some((list, text(&input.credit_reason), text(&input.credit_doc_no)))
            }
        };
        match outcome {
            Some(outcome) if errors.is_empty() => Ok(Closing { outcome, summary: text(&input.summary), credit }),
            _ => Err(errors),
        }
    }
}

/// The label of an outcome kind (empty for none).
pub fn kind_label(kind: &str) -> &'static str {
    OUTCOME_KINDS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or("")
}

/// The date a complaint filed on `filed` is due.
pub fn due_on(filed: NaiveDate) -> NaiveDate {
    filed + chrono::Duration::days(DUE_DAYS)
}

/// Checks a complainant's contact: both empty (anonymous) or a name and a phone.
pub fn check_contact(anonymous: bool, name: &str, phone: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if anonymous {
        return errors;
    }
    let (name, phone) = (name.trim(), phone.trim());
    if name.is_empty() {
        errors.push(FieldError::new("contact_name", "请填写您的姓名，或选择匿名投诉"));
    } else if name.chars().count() > 30 {
        errors.push(FieldError::new("contact_name", "姓名不能超过 30 字"));
    }
    if phone.is_empty() {
        errors.push(FieldError::new("contact_phone", "请填写联系电话，或选择匿名投诉"));
    } else if !crate::org::is_phone(phone) {
        errors.push(FieldError::new("contact_phone", format!("“{phone}”不是电话号码，请填写手机号或带区号的座机号")));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        crate::date::parse_date(s).unwrap()
    }

    #[test]
    fn the_handling_moves_only_along_its_steps() {
        use Status::*;
        assert_eq!(advance(Received, Step::Assign), Ok(Investigating));
        assert_eq!(advance(Investigating, Step::Assign), Ok(Investigating), "reassigning keeps the status");
        assert_eq!(advance(Investigating, Step::Record), Ok(Investigating));
        assert_eq!(advance(Investigating, Step::AskOrg), Ok(AwaitingAnswer));
        assert_eq!(advance(AwaitingAnswer, Step::Answer), Ok(Investigating));
        assert_eq!(advance(AwaitingAnswer, Step::Close { rectify: false }), Ok(Closed), "the organisation need not answer first");
        assert_eq!(advance(Investigating, Step::Close { rectify: true }), Ok(Rectifying));
        assert_eq!(advance(Rectifying, Step::Record), Ok(Rectifying));
        assert_eq!(advance(Rectifying, Step::FollowUp), Ok(Closed));
    }

    #[test]
    fn every_other_step_is_refused() {
        use Status::*;
        let steps = [Step::Assign, Step::Record, Step::AskOrg, Step::Answer, Step::Close { rectify: false }, Step::Close { rectify: true }, Step::FollowUp];
        for step in steps {
            assert!(advance(Closed, step).is_err(), "{step:?} after closing");
            if step != Step::Assign {
                assert!(advance(Received, step).is_err(), "{step:?} before assigning");
            }
        }
        for step in [Step::Assign, Step::AskOrg, Step::Answer, Step::Close { rectify: false }] {
            assert!(advance(Rectifying, step).is_err(), "{step:?} during rectification");
        }
        assert!(advance(AwaitingAnswer, Step::AskOrg).is_err());
        assert!(advance(Investigating, Step::Answer).is_err(), "nobody answers unasked");
        assert!(advance(Investigating, Step::FollowUp).is_err());
        assert!(advance(Closed, Step::Close { rectify: false }).unwrap_err().contains("已办结"));
    }

    #[test]
    fn a_registered_organisation_goes_to_its_registration_authority_an_unregistered_group_to_the_county() {
        let village = code("530628102201");
        assert_eq!(office_for(Some(&code("32")), &village), Some(code("32")), "a Jiangsu foundation: 江苏省民政厅");
        assert_eq!(office_for(Some(&RegionCode::national()), &village), Some(RegionCode::national()), "民政部");
        assert_eq!(office_for(None, &village), Some(code("530628")));
        assert_eq!(office_for(None, &code("530628")), Some(code("530628")));
        assert_eq!(office_for(None, &code("5306")), None, "a prefecture is not a place");
    }

    #[test]
    fn receipts_are_random_and_read_back_however_typed() {
        let a = Receipt::generate();
        let b = Receipt::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 18);
        assert_eq!(Receipt::parse(&a.printed()), Some(a.clone()));
        assert_eq!(Receipt::parse(&a.printed().to_lowercase().replace('-', " ")), Some(a.clone()));
        assert_eq!(Receipt::parse("TS-0000-0000-0000-000O").map(|r| r.as_str().to_string()), Some("TS0000000000000000".into()));
        // The first character typed as its neighbour in the alphabet is caught by the check digit.
        let typed = a.as_str().as_bytes();
        let mut wrong = typed.to_vec();
        let at = RECEIPT_ALPHABET.iter().position(|b| *b == typed[2]).unwrap();
        wrong[2] = RECEIPT_ALPHABET[(at + 1) % 32];
        assert_eq!(Receipt::parse(std::str::from_utf8(&wrong).unwrap()), None, "{} mistyped", a.as_str());
        assert_eq!(Receipt::parse("TS-1234"), None);
        assert_eq!(Receipt::parse("12"), None, "an id is not a receipt");
        assert_eq!(Receipt::parse("TSUUUUUUUUUUUUUUU0"), None, "U is not in the alphabet");
        assert!(a.printed().bytes().any(|b| b.is_ascii_digit()), "a printed receipt always holds a digit: it reads as a code");
    }

    #[test]
    fn an_outcome_names_each_missing_field() {
        let today = day("2026-06-01");
        let input = |outcome: &str| OutcomeInput { outcome: outcome.into(), summary: "经核查".into(), ..OutcomeInput::default() };
        assert_eq!(Outcome::parse(&input("unfounded"), true, today).unwrap().outcome, Outcome::Unfounded);
        let fields = |r: Result<Closing, Vec<FieldError>>| r.unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(Outcome::parse(&input("rectification"), true, today)), ["rectify_deadline"]);
        assert_eq!(fields(Outcome::parse(&OutcomeInput { rectify_deadline: "2026-05-01".into(), ..input("rectification") }, true, today)), ["rectify_deadline"]);
        assert_eq!(fields(Outcome::parse(&input("penalty"), true, today)), ["doc_no"]);
        assert_eq!(fields(Outcome::parse(&input("transfer"), true, today)), ["unit", "transfer_date"]);
        assert_eq!(fields(Outcome::parse(&OutcomeInput { summary: String::new(), ..input("") }, true, today)), ["outcome", "summary"]);
        let ok = OutcomeInput { rectify_deadline: "2026-09-30".into(), ..input("rectification") };
        assert_eq!(Outcome::parse(&ok, true, today).unwrap().outcome, Outcome::Rectification { deadline: day("2026-09-30") });
    }

    #[test]
    fn a_credit_list_entry_needs_an_organisation_a_reason_and_a_document() {
        let today = day("2026-06-01");
        let listed = OutcomeInput {
            outcome: "penalty".into(),
            doc_no: "彝民罚〔2026〕1号".into(),
            summary: "经查属实".into(),
            credit_list: "serious".into(),
            ..OutcomeInput::default()
        };
        let fields = |r: Result<Closing, Vec<FieldError>>| r.unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(Outcome::parse(&listed, true, today)), ["credit_reason", "credit_doc_no"]);
        let full = OutcomeInput { credit_reason: "违规使用资金".into(), credit_doc_no: "彝民〔2026〕2号".into(), ..listed };
        assert_eq!(
            Outcome::parse(&full, true, today).unwrap().credit,
            Some((CreditList::Serious, "违规使用资金".into(), "彝民〔2026〕2号".into()))
        );
        assert_eq!(fields(Outcome::parse(&full, false, today)), ["credit_list"], "an unregistered group is on no list");
        assert_eq!(fields(Outcome::parse(&OutcomeInput { outcome: "unfounded".into(), ..full }, true, today)), ["credit_list"]);
    }

    #[test]
    fn a_complaint_is_due_sixty_days_after_filing_and_a_contact_is_both_or_nothing() {
        assert_eq!(due_on(day("2026-01-01")), day("2026-03-02"));
        assert!(check_contact(true, "", "").is_empty());
        assert_eq!(check_contact(false, "张三", "").len(), 1);
        assert!(check_contact(false, "张三", "13912345678").is_empty());
    }
}

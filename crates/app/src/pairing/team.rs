//! Group pairing (组团式帮扶): forming a team (帮扶团) from what people type, a
//! team's page data, its members' steps and its one signed agreement.
//!
//! Guarantees:
//! - [`form`] names every wrong field in Chinese and writes nothing then; an
//!   officer forms a team only for counties it may propose pairings for
//!   (`ProposePairing`), an organisation only as the team's lead; the team and
//!   all its proposals are written in one transaction (`store::pairing::team::create`).
//! - A team the caller may not see answers 404 ([`visible`], `Action::ViewTeam`:
//!   whoever may see one of its pairings); a step on a member pairing goes through
//!   [`super::take_step`], so only the pairing's own party may consent.
//! - [`upload_signed`] works once every open member pairing has both consents
//!   ([`agreed`], as the agreement itself), and signs with one stored file
//!   every consented pairing of the team the caller may sign: all of them for
//!   the lead organisation (`SignForTeam`), each by its own `SignAgreement`
//!   otherwise.

use super::{form_error, may, parse_regions, take_step};
use crate::pickers::Typed;
use crate::{Error, Platform};
use duijie_domain::authz::{Action, Guarded, Target, decide};
use duijie_domain::pairing::{Status, Step, parse_wan};
use duijie_domain::{Decision, FieldError, Level, Principal, Role, Uscc};
use duijie_store::pairing::team::{self, NewMember, NewTeam, Team};
use duijie_store::pairing::{self, Pairing};
use duijie_store::{Actor, Db};

/// At most this many members and counties in one team.
pub const MAX_MEMBERS: usize = 20;
pub const MAX_COUNTIES: usize = 20;

/// What a person types to form a team (page form and API body).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TeamInput {
    /// 帮扶团名称.
    #[serde(default)]
    pub name: String,
    /// The batch (批次) id.
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub batch_id: String,
    /// The lead organisation's credit code (officers; an organisation leads itself).
    #[serde(default)]
    pub lead: String,
    /// One member a line: credit code, role (分工), funds in 万元 (optional).
    #[serde(default)]
    pub members: String,
    /// Counties by name or code, separated by 、 or spaces.
    #[serde(default)]
    pub counties: String,
    #[serde(default)]
    pub commitments: String,
}

/// One line of the members box as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    pub code: Uscc,
    pub role: String,
    pub funds_fen: i64,
}

/// Reads the members box: each line "信用代码 分工 [资金万元]", fields separated
/// by spaces, tabs or commas.
pub fn parse_members(text: &str) -> Result<Vec<MemberLine>, String> {
    let mut out: Vec<MemberLine> = Vec::new();
    for (i, line) in text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()) {
        let n = i + 1;
        let mut parts: Vec<&str> = line.split([' ', '\t', ',', '，', '　']).map(str::trim).filter(|s| !s.is_empty()).collect();
        let code = Uscc::parse(parts.remove(0)).map_err(|e| format!("第 {n} 行：统一社会信用代码无效（{e}）"))?;
        let funds_fen = match parts.last() {
            Some(last) if parts.len() >= 2 && last.trim_end_matches("万元").chars().all(|c| c.is_ascii_digit() || c == '.') => {
                let f = parse_wan(last).map_err(|m| format!("第 {n} 行：{m}"))?;
                parts.pop();
                f
            }
            _ => 0,
        };
        let role = parts.join("，");
        if role.is_empty() {
            return Err(format!("第 {n} 行：请写明该成员的分工，例如“{code} 产业帮扶 30”"));
        }
        if role.chars().count() > 100 {
            return Err(format!("第 {n} 行：分工不能超过 100 字"));
        }
        if out.iter().any(|m| m.code == code) {
            return Err(format!("第 {n} 行：{code} 重复"));
        }
        out.push(MemberLine { code, role, funds_fen });
    }
    if out.len() > MAX_MEMBERS {
        return Err(format!("一个帮扶团最多 {MAX_MEMBERS} 家成员"));
    }
    Ok(out)
}

/// Checks a team for `who` and forms it; field problems come back as
/// `Error::Invalid`. The lead and each member line may name the organisation
/// instead of giving its credit code.
pub async fn form(state: &Platform, who: &Principal, actor: &Actor, input: &TeamInput) -> Result<i64, Error> {
    let mut input = input.clone();
    let lead = Typed::org(state, &mut input.lead).await?;
    let mut why = None;
    // Names are read only in a box of at most MAX_MEMBERS lines (`parse_members` refuses a longer one).
    if input.members.lines().filter(|l| !l.trim().is_empty()).count() <= MAX_MEMBERS {
        let mut lines = Vec::new();
        for (i, line) in input.members.lines().enumerate() {
            let mut parts = line.trim().splitn(2, [' ', '\t', ',', '，', '　']);
            let (mut first, rest) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or(""));
            if let Some(reason) = Typed::org(state, &mut first).await?.into_reason() {
                why.get_or_insert(format!("第 {} 行：{reason}", i + 1));
            }
            lines.push(format!("{first} {rest}").trim().to_string());
        }
        input.members = lines.join("\n");
    }
    lead.over("lead", Typed::because(why).over("members", form_read(state, who, actor, &input).await))
}

async fn form_read(state: &Platform, who: &Principal, actor: &Actor, input: &TeamInput) -> Result<i64, Error> {
    let mut errors = Vec::new();
    let is_org = who.role() == Role::Organization;
    let name = input.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "请填写帮扶团名称，例如“镇雄县教育帮扶团”"));
    } else if name.chars().count() > 40 {
        errors.push(FieldError::new("name", "帮扶团名称不能超过 40 字"));
    }
    let batch = super::ops::open_batch(state, &input.batch_id, &mut errors).await?;
    // Members: each registered and able to take new work.
    let mut members: Vec<NewMember> = Vec::new();
    let mut member_codes: Vec<Uscc> = Vec::new();
    match parse_members(&input.members) {
        Err(m) => errors.push(FieldError::new("members", m)),
        Ok(lines) => {
            let mut problems = Vec::new();
            for l in lines {
                let org = duijie_store::orgs::by_credit_code(&state.db, l.code.as_str()).await?.and_then(|o| o.check(who, Action::ViewOrgPublic).ok());
                match org {
                    None => problems.push(format!("{} 尚未在平台登记", l.code)),
                    Some(o) => match pairing::refusal(&o) {
                        Some(why) => problems.push(format!("{}：{why}", o.name)),
                        None => {
                            member_codes.push(l.code.clone());
                            members.push(NewMember { org_id: o.id, role: l.role, funds_fen: l.funds_fen });
                        }
                    },
                }
            }
            if !problems.is_empty() {
                errors.push(FieldError::new("members", problems.join("；")));
            }
        }
    }
    // The lead: an organisation forms a team it leads; an officer names the lead.
    let lead = if is_org {
        who.org_id()
    } else {
        match Uscc::parse(&input.lead) {
            Ok(code) => {
                let pos = member_codes.iter().position(|c| *c == code);
                if pos.is_none() && !errors.iter().any(|e| e.field == "members") {
                    errors.push(FieldError::new("lead", "牵头单位须列在成员中，并写明其分工"));
                }
                pos.map(|i| members[i].org_id)
            }
            Err(e) => {
                errors.push(FieldError::new("lead", if input.lead.trim().is_empty() { "请填写牵头单位的统一社会信用代码".to_string() } else { e.to_string() }));
                None
            }
        }
    };
    if is_org && lead.is_some_and(|l| !members.iter().any(|m| m.org_id == l)) && !errors.iter().any(|e| e.field == "members") {
        errors.push(FieldError::new("members", "社会组织只能组建由本组织牵头的帮扶团：请把本组织列为成员并写明分工"));
    }
    let counties = match parse_regions(&state.tree, &input.counties, Level::County) {
        Ok(v) if v.is_empty() => {
            errors.push(FieldError::new("counties", "请填写结对县（市、区）"));
            Vec::new()
        }
        Ok(v) => {
            let mut bad = Vec::new();
            for c in &v {
                let name = state.tree.full_name(c);
                if c.level() != Level::County {
                    bad.push(format!("“{name}”不是县级区划"));
                } else if decide(who, Action::ProposePairing, Target::Region(c)) != Decision::Allow {
                    bad.push(format!("“{name}”不在本单位管辖范围内"));
                } else if let Some(b) = &batch
                    && !b.covers(c)
                {
                    bad.push(format!("“{name}”不在“{}”（{}）的范围内", b.name, super::batch_issuer(state, b)));
                }
            }
            if v.len() > MAX_COUNTIES {
                bad.push(format!("一个帮扶团最多结对 {MAX_COUNTIES} 个县"));
            }
            if !bad.is_empty() {
                errors.push(FieldError::new("counties", bad.join("；")));
            }
            v
        }
        Err(m) => {
            errors.push(FieldError::new("counties", m));
            Vec::new()
        }
    };
    if !errors.iter().any(|e| e.field == "members" || e.field == "counties") && members.len() < 2 && counties.len() < 2 {
        errors.push(FieldError::new("members", "组团式帮扶须至少两家成员（多对一），或一家结对多个县（一对多）"));
    }
    if input.commitments.chars().count() > 2000 {
        errors.push(FieldError::new("commitments", "共同帮扶内容不能超过 2000 字"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (Some(batch), Some(lead)) = (batch, lead) else { return Err(Error::NotFound) };
    let county_officer = who.role() == Role::RuralRevitalization && who.region().level() == Level::County;
    let n = NewTeam {
        batch_id: batch.id,
        name: name.to_string(),
        lead_org_id: lead,
        members,
        counties,
        commitments: input.commitments.trim().to_string(),
        org_consents: if is_org { who.org_id() } else { None },
        county_consents: county_officer.then(|| who.region().clone()),
    };
    let mut tx = state.db.begin().await?;
    let id = team::create(&mut tx, actor, &n).await.map_err(form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// Loads a team the caller may see (404 otherwise).
pub async fn visible(db: &Db, who: &Principal, id: i64) -> Result<Team, Error> {
    crate::open(team::get(db, id).await?, who, Action::ViewTeam)
}

/// Takes a step on one member pairing of a team.
pub async fn step(state: &Platform, who: &Principal, actor: &Actor, team_id: i64, pairing_id: i64, step: Step, note: &str) -> Result<Pairing, Error> {
    let t = visible(&state.db, who, team_id).await?;
    if !t.pairings.iter().any(|p| p.id == pairing_id) {
        return Err(Error::NotFound);
    }
    take_step(state, who, actor, pairing_id, step, note).await
}

/// The team's pairings `who` may sign now: once the whole team has agreed
/// ([`agreed`]), the consented ones — all of them for the lead organisation
/// (`SignForTeam`), otherwise those whose `SignAgreement` the caller has.
pub fn signable<'a>(who: &Principal, t: &'a Team) -> Vec<&'a Pairing> {
    if !agreed(t) {
        return Vec::new();
    }
    let lead = t.decide(who, Action::SignForTeam).is_allowed();
    t.pairings.iter().filter(|p| p.status() == Status::Consented && (lead || may(who, Action::SignAgreement, p))).collect()
}

/// Whether every open pairing of the team has both consents (the agreement can be made).
pub fn agreed(t: &Team) -> bool {
    let open: Vec<&Pairing> = t.pairings.iter().filter(|p| !p.status().is_closed()).collect();
    !open.is_empty() && open.iter().all(|p| p.status() != Status::Proposed)
}

/// Stores the team's signed agreement and signs every pairing the caller may sign.
pub async fn upload_signed(state: &Platform, who: &Principal, actor: &Actor, id: i64, file_name: &str, bytes: &[u8]) -> Result<Vec<Pairing>, Error> {
    let t = visible(&state.db, who, id).await?;
    let ids: Vec<i64> = signable(who, &t).iter().map(|p| p.id).collect();
    if ids.is_empty() {
        return Err(Error::field("file", "没有可由您上传协议的结对：须帮扶团各成员和县级都已同意，且协议尚未上传"));
    }
    let Some(content_type) = crate::files::sniff_scan(bytes) else {
        return Err(Error::field("file", "已签协议请上传 PDF 或 JPG、PNG 扫描件"));
    };
    let name = crate::files::clean_file_name(file_name);
    let mut tx = state.db.begin().await?;
    let signed = team::attach_signed(&mut tx, actor, id, &ids, if name.is_empty() { "帮扶团已签协议" } else { &name }, content_type, bytes).await?;
    tx.commit().await?;
    Ok(signed)
}

/// The counties of a team as people read them: 云南省昭通市镇雄县、….
pub fn county_names(state: &Platform, t: &Team) -> String {
    t.counties().iter().map(|c| state.tree.full_name(c)).collect::<Vec<_>>().join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_lines_read_code_role_and_optional_funds() {
        let a = Uscc::complete("51530000DJ000001").unwrap();
        let b = Uscc::complete("53320000DJ000003").unwrap();
        let lines = parse_members(&format!("{a} 产业帮扶 30\n\n{b}，医疗健康，乡村医生培训\n")).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].role.as_str(), lines[0].funds_fen), ("产业帮扶", 30_000_000));
        assert_eq!((lines[1].role.as_str(), lines[1].funds_fen), ("医疗健康，乡村医生培训", 0));
        assert!(parse_members(&format!("{a}")).unwrap_err().contains("分工"));
        assert!(parse_members(&format!("{a} 产业 1\n{a} 教育 2")).unwrap_err().contains("重复"));
        assert!(parse_members("123 产业").unwrap_err().starts_with("第 1 行"));
        assert!(parse_members(&format!("{a} 产业 1.234")).unwrap_err().contains("第 1 行"));
    }
}

//! The pairing agreement (结对帮扶协议书) as a Word document: the parties as
//! the registry and the region tree name them, the terms as agreed.
//!
//! Guarantees: only a pairing both sides have agreed to gets an agreement
//! (409 before); the caller has already opened the pairing
//! (`duijie_app::pairing::visible`), and its organisation is read through it.
//! A team's agreement (组团式) is made only once every open member pairing
//! has both consents; the caller has opened the team
//! (`duijie_app::pairing::team::visible`); it names the lead as 甲方, every
//! member with its county and share, and the counties' bureaus as 乙方.
//! Each carries the verifiable log's receipt of the record's newest change
//! (entry index and leaf hash), which the public 核验 page checks.

use crate::format::{fmt_date, wan_or_empty};
use crate::{AppError, AppState};
use chrono::NaiveDate;
use duijie_app::pairing::batch_issuer;
use duijie_domain::pairing::{Kind, Status};
use duijie_store::pairing::{self, Pairing};

/// The receipt of a record as printed: its newest log entry (none before any).
pub async fn receipt(state: &AppState, entity: &str, id: i64) -> Result<Option<duijie_office::receipt::Receipt>, AppError> {
    let r = duijie_app::log::receipt_of(&state.db, entity, id).await?;
    Ok(r.map(|r| r.printed(&state.config.public_url)))
}

/// The agreement (协议书) of a pairing as a `.docx`.
pub async fn agreement_docx(state: &AppState, p: &Pairing) -> Result<Vec<u8>, AppError> {
    use duijie_office::agreement::{Agreement, Party};
    if matches!(p.status(), Status::Proposed | Status::Declined | Status::Withdrawn) {
        return Err(AppError::Conflict("双方同意结对后才能生成结对帮扶协议书".into()));
    }
    let org = pairing::party(&state.db, p).await?.ok_or(AppError::NotFound)?;
    let batch = pairing::batch(&state.db, p.batch_id).await?.ok_or(AppError::NotFound)?;
    let place = p.place(&state.tree);
    let kind = p.kind();
    let liaison = duijie_store::liaisons::for_region(&state.db, &p.county())
        .await?
        .into_iter()
        .find(|l| l.department == "rural_revitalization" && l.region_code == p.county_code.as_str());
    let target_name = match kind {
        Kind::County => format!("{place}乡村振兴局"),
        // 花桥村党支部 names its village itself: after the township, not after the village again.
        Kind::PartyBranch if !p.village_name.is_empty() && p.target_label.starts_with(&p.village_name) => {
            format!("{}{}", p.target().parent().map(|t| state.tree.full_name(&t)).unwrap_or_default(), p.target_label)
        }
        Kind::PartyBranch => format!("{place}{}", p.target_label),
        _ => format!("{place}村民委员会"),
    };
    let detail = match kind {
        Kind::Household => format!("帮扶户：{}", p.target_label),
        Kind::EnterpriseVillage => format!("会员企业：{}", p.target_label),
        Kind::PartyBranch => format!("社会组织党组织与{}结对共建", p.target_label),
        _ => String::new(),
    };
    let fmt = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").map(|d| fmt_date(&d)).unwrap_or_default();
    let a = Agreement {
        number: format!("JDXY-{}-{:06}", batch.id, p.id),
        batch: format!("{}{}", batch_issuer(state, &batch), batch.name),
        kind_label: kind.label().to_string(),
        org: Party {
            name: org.name.clone(),
            credit_code: org.credit_code.clone(),
            address: org.address.clone(),
            contact_name: org.contact_name.clone(),
            contact_phone: org.contact_phone.clone(),
        },
        target: Party {
            name: target_name,
            credit_code: String::new(),
            address: place.clone(),
            contact_name: liaison.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
            contact_phone: liaison.as_ref().map(|l| l.phone.clone()).unwrap_or_default(),
        },
        target_region: place,
        target_detail: detail,
        team: if p.team_name.is_empty() { String::new() } else { format!("{}，牵头单位：{}", p.team_name, p.team_lead) },
        members: Vec::new(),
        fields: p.fields.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        commitments: p.commitments.clone(),
        funds_wan: wan_or_empty(p.funds_fen),
        people: p.people,
        term_start: fmt(&p.term_start),
        term_end: fmt(&p.term_end),
        sign_deadline: fmt(&batch.sign_deadline),
        receipt: receipt(state, "pairing", p.id).await?,
    };
    duijie_office::agreement::agreement_docx(&a).map_err(|e| AppError::Internal(e.to_string()))
}

/// The one agreement of a team (组团式帮扶协议书) as a `.docx`.
pub async fn team_agreement_docx(state: &AppState, t: &duijie_store::pairing::team::Team) -> Result<Vec<u8>, AppError> {
    use duijie_office::agreement::{Agreement, Party, TeamMember};
    if !duijie_app::pairing::team::agreed(t) {
        return Err(AppError::Conflict("帮扶团各成员和县级都同意结对后才能生成协议书".into()));
    }
    let open: Vec<&Pairing> = t.pairings.iter().filter(|p| !p.status().is_closed()).collect();
    let lead_pairing = open.iter().find(|p| p.org_id == t.lead_org_id).ok_or_else(|| AppError::Conflict("牵头单位的结对已结束，帮扶团协议书无法生成".into()))?;
    let lead = pairing::party(&state.db, lead_pairing).await?.ok_or(AppError::NotFound)?;
    let batch = pairing::batch(&state.db, t.batch_id).await?.ok_or(AppError::NotFound)?;
    let counties = t.counties();
    let places: Vec<String> = counties.iter().map(|c| state.tree.full_name(c)).collect();
    let liaison = match counties.as_slice() {
        [one] => duijie_store::liaisons::for_region(&state.db, one).await?.into_iter().find(|l| l.department == "rural_revitalization" && l.region_code == one.as_str()),
        _ => None,
    };
    let mut fields: Vec<String> = Vec::new();
    for f in open.iter().flat_map(|p| p.fields.split('、')).filter(|f| !f.is_empty()) {
        if !fields.iter().any(|x| x == f) {
            fields.push(f.to_string());
        }
    }
    let members = open
        .iter()
        .map(|p| TeamMember { name: p.org_name.clone(), credit_code: p.org_credit_code.clone(), county: p.place(&state.tree), role: p.team_role.clone(), funds_wan: wan_or_empty(p.funds_fen) })
        .collect();
    let fmt = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").map(|d| fmt_date(&d)).unwrap_or_default();
    let a = Agreement {
        number: format!("JDXY-{}-T{:05}", batch.id, t.id),
        batch: format!("{}{}", batch_issuer(state, &batch), batch.name),
        kind_label: format!("{}（组团式）", Kind::County.label()),
        org: Party {
            name: lead.name.clone(),
            credit_code: lead.credit_code.clone(),
            address: lead.address.clone(),
            contact_name: lead.contact_name.clone(),
            contact_phone: lead.contact_phone.clone(),
        },
        target: Party {
            name: places.iter().map(|p| format!("{p}乡村振兴局")).collect::<Vec<_>>().join("、"),
            credit_code: String::new(),
            address: places.join("、"),
            contact_name: liaison.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
            contact_phone: liaison.as_ref().map(|l| l.phone.clone()).unwrap_or_default(),
        },
        target_region: places.join("、"),
        target_detail: String::new(),
        team: format!("{}，牵头单位：{}", t.name, t.lead_name),
        members,
        fields,
        commitments: lead_pairing.commitments.clone(),
        funds_wan: wan_or_empty(open.iter().map(|p| p.funds_fen).sum()),
        people: open.iter().map(|p| p.people).sum(),
        term_start: fmt(&lead_pairing.term_start),
        term_end: fmt(&lead_pairing.term_end),
        sign_deadline: fmt(&batch.sign_deadline),
        receipt: receipt(state, "pairing_team", t.id).await?,
    };
    duijie_office::agreement::agreement_docx(&a).map_err(|e| AppError::Internal(e.to_string()))
}

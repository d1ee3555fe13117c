//! 待办: what waits for the caller to act, one count per kind of task, with the
//! page where it is done.
//!
//! Guarantees: a task is counted only when the caller may do it (`authz`, and
//! the configured demand-approval rule): a county's civil-affairs office sees
//! the demands it approves, not every submitted demand it can read; an
//! organisation sees the pairings waiting for its own consent, and the
//! complaints it is asked to answer; a civil-affairs office the complaints
//! filed with it that wait for a handler. Counts come
//! from the caller's own scope only, and are counted in the database (all
//! that wait, not the length of a first page): demands to approve by
//! recording unit, each unit decided once by the approval rule.

use crate::{Error, Platform};
use duijie_domain::authz::{Action, Decision, Guarded, Target, decide, decide_demand_approval};
use duijie_domain::matching::{Initiator, MatchStatus};
use duijie_domain::{Principal, RegionCode, Role};
use duijie_store::demand::matching;
use duijie_store::pairing::{self, Filter};

/// One kind of task and how many wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub label: &'static str,
    pub count: usize,
    /// Where the tasks are done.
    pub link: &'static str,
}

/// The caller's tasks, in the order a person works through them.
pub async fn of(state: &Platform, who: &Principal) -> Result<Vec<Task>, Error> {
    let scope = who.scope();
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    if who.role() == Role::Organization {
        let proposals = match who.org_id() {
            Some(org) => count(pairing::awaiting_org_consent(&state.db, org).await?),
            None => 0,
        };
        let consented = Filter { status: "consented".into(), ..Filter::default() };
        let to_sign = pairing::list(&state.db, &scope, &consented, 1, 0).await?.1;
        let orders = match who.org_id() {
            Some(org) => matching::of_org(&state.db, org).await?.iter().filter(|m| m.status == MatchStatus::Pending && m.initiated_by == Initiator::County).count(),
            None => 0,
        };
        let complaints = match who.org_id() {
            Some(org) => count(duijie_store::complaints::awaiting_answer(&state.db, org).await?),
            None => 0,
        };
        return Ok(vec![
            Task { label: "待本组织同意的结对提议", count: proposals, link: "/pairing?status=proposed" },
            Task { label: "待签订的结对协议", count: usize::try_from(to_sign).unwrap_or(0), link: "/pairing?status=consented" },
            Task { label: "待确认的点单", count: orders, link: "/demands" },
            Task { label: "待答复的投诉举报", count: complaints, link: "/complaints" },
        ]);
    }
    let region = who.region();
    let to_approve: i64 = duijie_store::demand::submitted_by_unit(&state.db, region)
        .await?
        .into_iter()
        .filter(|(unit, _)| RegionCode::parse(unit).is_ok_and(|u| decide_demand_approval(who, &u, state.demand_approval) == Decision::Allow))
        .map(|(_, n)| n)
        .sum();
    let takes = matching::pending_takes_within(&state.db, region).await?.iter().filter(|m| m.decide(who, Action::OrderOffer) == Decision::Allow).count();
    let applications = duijie_store::orgs::awaiting_approval(&state.db, region)
        .await?
        .iter()
        .filter(|o| o.approval == duijie_domain::org::Approval::Pending && o.decide(who, Action::ApproveOrganization) == Decision::Allow)
        .count();
    let adjustments = duijie_store::pairing::adjust::list(&state.db, who, "pending")
        .await?
        .iter()
        .filter(|a| a.decide(who, Action::ApproveAdjustment) == Decision::Allow)
        .filter(|a| if who.role() == Role::CivilAffairs { a.civil_by.is_none() } else { a.rural_by.is_none() })
        .count();
    // A county's consent is given by rural revitalisation (or an administrator) over its subtree (`authz`, ConsentAsCounty).
    let consents = if matches!(who.role(), Role::Admin | Role::RuralRevitalization) { count(pairing::awaiting_county_consent(&state.db, region).await?) } else { 0 };
    let mut tasks = vec![
        Task { label: "待审核发布的需求", count: count(to_approve), link: "/demands?status=submitted" },
        Task { label: "待确认的承接申请", count: takes, link: "/demands?status=published" },
        Task { label: "待同意的结对提议", count: consents, link: "/pairing?status=proposed" },
        Task { label: "待审批的结对调整", count: adjustments, link: "/pairing/adjustments?status=pending" },
    ];
    if decide(who, Action::ApproveOrganization, Target::Organization { id: 0, region }) == Decision::Allow {
        tasks.push(Task { label: "待审核的入驻申请", count: applications, link: "/orgs/pending" });
    }
    // Complaints are handled by the civil-affairs office they were filed with, not by the offices above it.
    if decide(who, Action::HandleComplaint, Target::Complaint { office: region, org_id: None, shared: false }) == Decision::Allow {
        tasks.push(Task { label: "待分派的投诉举报", count: count(duijie_store::complaints::waiting_assignment(&state.db, region).await?), link: "/complaints" });
    }
    Ok(tasks)
}

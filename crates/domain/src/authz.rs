//! The one authorisation decision.
//!
//! Guarantees:
//! - Deny by default: an (action, target) pair not listed below is `NotFound`.
//! - A record outside the caller's scope answers `NotFound`, never `Forbidden`,
//!   so that ids cannot be probed; `Forbidden` is only said about records the
//!   caller may already see.
//! - A [`Scope`] is derived from a [`Principal`] and from nothing else; storage
//!   queries that list or load records take a `Scope` and filter in SQL.
//!
//! Who sees what:
//! - Government roles (admin, civil affairs, rural revitalisation, supervising
//!   unit) see their unit's region subtree.
//! - Organisation users see their own organisation; the region tree is public
//!   reference data to them (they look for counties to help), read-only.

use crate::{Level, RegionCode, Role};

/// The authenticated actor, built only from a verified session or token.
///
/// Its fields are private: a principal is made from an account row that a
/// session or token led to ([`Principal::of_account`], called by
/// `store::users` only), or is the platform itself ([`Principal::platform`],
/// for the CLI and background jobs). `crates/web/tests/architecture.rs`
/// keeps both constructors out of the web and application layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    user_id: i64,
    username: String,
    role: Role,
    region: RegionCode,
    org_id: Option<i64>,
}

/// What a principal may list: a region subtree and/or one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    region: Option<RegionCode>,
    org_id: Option<i64>,
}

impl Principal {
    /// The principal of a user account (`store::users::User::principal`).
    pub fn of_account(user_id: i64, username: String, role: Role, region: RegionCode, org_id: Option<i64>) -> Principal {
        Principal { user_id, username, role, region, org_id }
    }

    /// The platform acting for itself (the CLI, reminders, imports started by
    /// an operator): an administrator of the whole country with no account.
    pub fn platform() -> Principal {
        Principal { user_id: 0, username: "platform".into(), role: Role::Admin, region: RegionCode::national(), org_id: None }
    }

    pub fn user_id(&self) -> i64 {
        self.user_id
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// The unit's region (for organisation users: the organisation's registering region).
    pub fn region(&self) -> &RegionCode {
        &self.region
    }

    /// The organisation this user acts for, for the organisation role.
    pub fn org_id(&self) -> Option<i64> {
        self.org_id
    }

    /// Whether this is a user of organisation `id`.
    pub fn is_org(&self, id: i64) -> bool {
        self.role == Role::Organization && self.org_id == Some(id)
    }

    /// The listing scope of this principal.
    pub fn scope(&self) -> Scope {
        if self.role.is_government() {
            Scope { region: Some(self.region.clone()), org_id: None }
        } else {
            Scope { region: None, org_id: self.org_id }
        }
    }
}

impl Scope {
    /// What anyone may list without logging in: published records only, no region, no organisation.
    pub fn public() -> Scope {
        Scope { region: None, org_id: None }
    }

    /// The whole country, for the platform's own jobs (reminders, planning from
    /// the command line); never derived from a request.
    pub fn everything() -> Scope {
        Scope { region: Some(RegionCode::national()), org_id: None }
    }

    /// Region prefix whose subtree is visible, if any.
    pub fn region(&self) -> Option<&RegionCode> {
        self.region.as_ref()
    }

    /// The organisation whose records are visible, if any.
    pub fn org_id(&self) -> Option<i64> {
        self.org_id
    }

    /// Whether a region-owned record at `code` is in scope.
    pub fn covers_region(&self, code: &RegionCode) -> bool {
        self.region.as_ref().is_some_and(|r| r.contains(code))
    }
}

/// Everything a user can try to do. Grows with each capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ViewRegion,
    EditDesignation,
    ViewUser,
    ManageUser,
    ViewAudit,
    ViewOrganization,
    EditOrganization,
    /// The public profile (name, type, fields, rating): anyone logged in.
    ViewOrgPublic,
    /// Put on or take off a credit list.
    SetCreditList,
    /// Approve or return a self-application.
    ApproveOrganization,
    /// Enrol an organisation in an action.
    Enrol,
    /// See enrolments and export the liaison list (联络清单) of a region.
    ViewEnrolments,
    /// Add or remove liaison officers of a prefecture or county.
    ManageLiaison,
    /// See a pairing (its parties, steps, agreement).
    ViewPairing,
    /// Agree to a pairing on the organisation's side.
    ConsentAsOrg,
    /// Agree to a pairing on the county's side.
    ConsentAsCounty,
    /// Download the agreement and upload the signed scan.
    SignAgreement,
    /// Confirm a signed agreement (the pairing comes into force), or end or
    /// withdraw a pairing of an unpublished list.
    ManagePairing,
    /// Propose a pairing with a county or village (an organisation: its own).
    ProposePairing,
    /// See the pairing coverage (结对覆盖) of the target counties within a
    /// region: organisations anywhere; officers within their subtree, and
    /// read-only the targets of the regions above their own unit (a county
    /// office sees its prefecture's and province's). What it shows beyond the
    /// published lists is decided pairing by pairing (`ViewPairing`).
    ViewCoverage,
    /// Create and publish pairing batches (lists) of a province or the country.
    ManageBatch,
    /// Ask for a pairing plan and send its proposals.
    PlanPairing,
    /// Request an addition, change or end after the list is published.
    RequestAdjustment,
    /// Approve adjustments of a list issued at this region (one department each).
    ApproveAdjustment,
    /// See a demand (organisations: published ones only).
    ViewDemand,
    /// Open a demand's files: those who see the demand; a household demand's
    /// files only those who may see the household.
    OpenDemandFile,
    /// See an offer: published ones anyone logged in; the others only those
    /// who manage the organisation's offers.
    ViewOffer,
    /// Confirm, decline or withdraw a take or an order: the demand's county
    /// side (those who may order for its region) or the organisation's side.
    DecideMatch,
    /// See an adjustment request: its organisation, officers over its target,
    /// and the departments of the level that issued the list.
    ViewAdjustment,
    /// Record, edit, submit or withdraw a demand of this region (the county bureau).
    EditDemand,
    /// See a household's personal data unmasked (recorded in the audit trail).
    ViewHousehold,
    /// Take a published demand (接单) for this organisation.
    TakeDemand,
    /// Order from an offer for a demand of this region (点单), and confirm or decline takes.
    OrderOffer,
    /// Publish or edit this organisation's offers; officers curate them.
    ManageOffer,
    /// See matching statistics (success rate) of this region.
    ViewMatchStats,
    /// See who is behind a demand: its household (masked) and every
    /// organisation's match record. Only the demand's own county chain (the
    /// county, prefecture and province offices over it); an organisation sees
    /// its own match through `TakeDemand`, never the household.
    ViewDemandParties,
    /// Record the facts the registration authority keeps about an organisation
    /// (等级评估, 是否建立党组织): never the organisation itself.
    RecordOrgFacts,
    /// See a group-pairing team (帮扶团): its members, their shares and the
    /// steps of each member pairing. Whoever may see one of its pairings
    /// (`ViewPairing`), since they are parties to one agreement; each member
    /// pairing itself is still opened only through its own `ViewPairing`.
    ViewTeam,
    /// Upload a team's signed agreement for all its members at once: its lead
    /// organisation (officers sign each pairing of their county through
    /// `SignAgreement`).
    SignForTeam,
    /// See a project (帮扶项目), its progress and evidence: its organisation,
    /// and officers whose subtree holds the helped region.
    ViewProject,
    /// Record a project for this organisation: its own users only.
    RecordProject,
    /// Add progress to a project, or stop it: its organisation only.
    EditProject,
    /// Confirm a project done (受益方确认): the rural-revitalisation office
    /// of the helped county (of the helped region itself when it lies above
    /// county level), never an office above it nor the organisation.
    ConfirmProject,
    /// Define a half-year report (调度) for this region: its own civil-affairs
    /// or rural-revitalisation office, at province level or above.
    DefineReport,
    /// See a unit's report: the unit's departments and every office above it
    /// (administrators too); never an organisation or a supervising unit.
    ViewReport,
    /// Correct figures, write the narrative, submit, ask to reopen: the
    /// unit's own civil-affairs or rural-revitalisation office.
    FillReport,
    /// Approve, return, grant or refuse a reopening: the reviewing unit's
    /// civil-affairs or rural-revitalisation office (the level above).
    ReviewReport,
    /// Add a province's form (a table definition file) for reports: an
    /// administrator at province level or above, within its region.
    ManageReportTables,
    /// Keep a province's list of project natures (项目性质): its own
    /// provincial civil-affairs or rural-revitalisation office only.
    ManageProjectNatures,
    /// Export a region's batch to the national monitoring system (全国防止返贫监测和衔接推进乡村振兴信息系统)
    /// and see its past batches: the rural-revitalisation offices of the
    /// region and above (administrators too); never civil affairs, a
    /// supervising unit or an organisation.
    ExportMonitoring,
    /// Replace the layout of that export (the national template): a national administrator only.
    ManageMonitoringLayout,
    /// See a supervision flag (监管预警), its evidence and handling: the
    /// civil-affairs and rural-revitalisation offices (and administrators)
    /// over the organisation's registering region or over the region
    /// concerned; never a supervising unit or an organisation.
    ViewFlag,
    /// Acknowledge, note or close a flag: those offices, not administrators.
    HandleFlag,
    /// Record a commendation (表彰) in the name of this region's department:
    /// its own civil-affairs or rural-revitalisation office.
    Commend,
    /// See a complaint (投诉举报): the civil-affairs offices of the handling
    /// region and above; its organisation once the office asked it to answer
    /// (never the complainant's identity, see `ViewComplainant`).
    ViewComplaint,
    /// Assign, record investigation steps, ask the organisation, close and
    /// follow up: the handling civil-affairs office itself only.
    HandleComplaint,
    /// See the complainant's name and phone (each view audited): the handling
    /// civil-affairs office only, never an office above it nor the organisation.
    ViewComplainant,
    /// Answer a complaint the office asked about: its organisation only.
    AnswerComplaint,
}

impl Action {
    pub const ALL: [Action; 58] = [
        Action::Commend,
        Action::ViewFlag,
        Action::HandleFlag,
        Action::ViewComplaint,
        Action::HandleComplaint,
        Action::ViewComplainant,
        Action::AnswerComplaint,
        Action::ExportMonitoring,
        Action::ManageMonitoringLayout,
        Action::ManageProjectNatures,
        Action::ManageReportTables,
        Action::DefineReport,
        Action::ViewReport,
        Action::FillReport,
        Action::ReviewReport,
        Action::ViewCoverage,
        Action::OpenDemandFile,
        Action::ViewOffer,
        Action::DecideMatch,
        Action::ViewAdjustment,
        Action::ViewRegion,
        Action::EditDesignation,
        Action::ViewUser,
        Action::ManageUser,
        Action::ViewAudit,
        Action::ViewOrganization,
        Action::EditOrganization,
        Action::ViewOrgPublic,
        Action::SetCreditList,
        Action::ApproveOrganization,
        Action::Enrol,
        Action::ViewEnrolments,
        Action::ManageLiaison,
        Action::ViewPairing,
        Action::ConsentAsOrg,
        Action::ConsentAsCounty,
        Action::SignAgreement,
        Action::ManagePairing,
        Action::ProposePairing,
        Action::ManageBatch,
        Action::PlanPairing,
        Action::RequestAdjustment,
        Action::ApproveAdjustment,
        Action::ViewDemand,
        Action::EditDemand,
        Action::ViewHousehold,
        Action::TakeDemand,
        Action::OrderOffer,
        Action::ManageOffer,
        Action::ViewMatchStats,
        Action::ViewDemandParties,
        Action::RecordOrgFacts,
        Action::ViewTeam,
        Action::SignForTeam,
        Action::ViewProject,
        Action::RecordProject,
        Action::EditProject,
        Action::ConfirmProject,
    ];
}

/// The record an action is about, reduced to what the decision needs.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A region node (its page, its designations, the audit rows of its units).
    Region(&'a RegionCode),
    /// A user account, by its unit's region and organisation.
    User { region: &'a RegionCode, org_id: Option<i64> },
    /// An organisation, by id and registering region.
    Organization { id: i64, region: &'a RegionCode },
    /// A pairing: the organisation (id, registering region) and the paired county or village.
    Pairing { org_id: i64, org_region: &'a RegionCode, target: &'a RegionCode },
    /// A demand: its region, whether it is published (visible to everyone
    /// logged in), and whether it helps one household (its files may show the family).
    Demand { region: &'a RegionCode, public: bool, household: bool },
    /// An offer of the supply library: its organisation, and whether it is published.
    Offer { org_id: i64, org_region: &'a RegionCode, published: bool },
    /// A take or an order (对接): the demand's region and the organisation.
    Match { demand_region: &'a RegionCode, org_id: i64 },
    /// A request to adjust a published pairing list: the organisation, the
    /// county or village concerned, and the region that issued the list.
    Adjustment { org_id: i64, target: &'a RegionCode, batch_region: &'a RegionCode },
    /// A group-pairing team: its lead organisation and the parties of each of its pairings.
    Team { lead_org_id: i64, pairings: &'a [TeamParty] },
    /// A project: its organisation and the region it helps.
    Project { org_id: i64, region: &'a RegionCode },
    /// One unit's report of a half-year cycle: the reporting unit's region and
    /// the region of the unit that reviews it (`report::reviewer`).
    Report { unit: &'a RegionCode, reviewer: &'a RegionCode },
    /// One organisation's report (the organisations' annual report): the
    /// organisation and the region of the office that reviews it.
    OrgReport { org_id: i64, reviewer: &'a RegionCode },
    /// A supervision flag: the registering region of the organisation it
    /// concerns (if any) and the region concerned (the county, or the unit).
    Flag { org_region: Option<&'a RegionCode>, region: &'a RegionCode },
    /// A complaint: the region of the civil-affairs office handling it, the
    /// organisation complained about (none for an unregistered group), and
    /// whether the office has asked that organisation to answer.
    Complaint { office: &'a RegionCode, org_id: Option<i64>, shared: bool },
}

/// The parties of one pairing of a team ([`Target::Team`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamParty {
    pub org_id: i64,
    pub org_region: RegionCode,
    /// The paired county.
    pub target: RegionCode,
}

/// The answer: allowed, visible but not permitted, or invisible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbidden,
    NotFound,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// A record that can be asked about: loaded rows implement it by naming the
/// [`Target`] they stand for and calling [`decide`].
pub trait Guarded {
    /// Whether `who` may do `action` on this record.
    fn decide(&self, who: &Principal, action: Action) -> Decision;

    /// Whether anyone, logged in or not, may see it (a published demand).
    fn is_public(&self) -> bool {
        false
    }
}

/// A record read by its id before anyone decided whether the caller may see
/// it. Its contents are reached only through [`Unchecked::check`] (the
/// caller's decision), [`Unchecked::public`] (what anyone may see) or
/// [`Unchecked::unscoped`] (the platform itself: the CLI and background jobs;
/// `crates/web/tests/architecture.rs` keeps it out of the web and application
/// layers). A handler that forgets the check therefore does not compile:
///
/// ```compile_fail
/// # use duijie_domain::authz::Unchecked;
/// struct Row { secret: String }
/// let loaded = Unchecked::new(Row { secret: "身份证号".into() });
/// let _ = loaded.secret; // no way in without deciding
/// ```
#[must_use = "a loaded record is reached only through check(), public() or unscoped()"]
pub struct Unchecked<T>(T);

impl<T> Unchecked<T> {
    /// Wraps a row the store has just read.
    pub fn new(record: T) -> Unchecked<T> {
        Unchecked(record)
    }

    /// The record for the platform's own work; never on behalf of a person.
    pub fn unscoped(self) -> T {
        self.0
    }
}

impl<T: Guarded> Unchecked<T> {
    /// The record if `who` may do `action` on it; otherwise the decision
    /// (`NotFound` for what the caller may not see, `Forbidden` for what it
    /// sees but may not do).
    pub fn check(self, who: &Principal, action: Action) -> Result<T, Decision> {
        match self.0.decide(who, action) {
            Decision::Allow => Ok(self.0),
            d => Err(d),
        }
    }

    /// Whether `who` may do `action`, without opening the record.
    pub fn decision(&self, who: &Principal, action: Action) -> Decision {
        self.0.decide(who, action)
    }

    /// The record if anyone may see it.
    pub fn public(self) -> Option<T> {
        self.0.is_public().then_some(self.0)
    }
}

/// Decides whether `who` may do `action` on `target`.
pub fn decide(who: &Principal, action: Action, target: Target<'_>) -> Decision {
    use Decision::*;
    let gov = who.role.is_government();
    let in_subtree = |r: &RegionCode| gov && who.region.contains(r);
    let permitted = |yes: bool| if yes { Allow } else { Forbidden };

    match (action, target) {
        (Action::ViewRegion, Target::Region(r)) => {
            if who.role == Role::Organization || in_subtree(r) { Allow } else { NotFound }
        }
        (Action::EditDesignation, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            // Designations are set by notice at provincial or national level.
            permitted(in_subtree(r) && match who.role {
                Role::Admin => true,
                Role::RuralRevitalization => who.region.level() <= Level::Province,
                _ => false,
            })
        }
        (Action::ViewAudit, Target::Region(r)) => {
            if !in_subtree(r) {
                return if who.role == Role::Organization { Forbidden } else { NotFound };
            }
            permitted(who.role == Role::Admin)
        }
        (Action::ViewUser | Action::ManageUser, Target::User { region, .. }) => {
            if who.role == Role::Admin && who.region.contains(region) { Allow } else { NotFound }
        }
        (Action::ViewOrganization, Target::Organization { id, region }) => {
            if in_subtree(region) || who.org_id == Some(id) { Allow } else { NotFound }
        }
        (Action::EditOrganization, Target::Organization { id, region }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            let own = who.role == Role::Organization && who.org_id == Some(id);
            permitted(own || (in_subtree(region) && matches!(who.role, Role::Admin | Role::CivilAffairs)))
        }
        (Action::ViewOrgPublic, Target::Organization { .. }) => Allow,
        (Action::SetCreditList | Action::ApproveOrganization | Action::RecordOrgFacts, Target::Organization { region, .. }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(region) && matches!(who.role, Role::Admin | Role::CivilAffairs))
        }
        (Action::Enrol, Target::Organization { id, region }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            let own = who.role == Role::Organization && who.org_id == Some(id);
            permitted(own || (in_subtree(region) && matches!(who.role, Role::Admin | Role::CivilAffairs)))
        }
        (Action::ViewEnrolments, Target::Region(r)) => {
            if who.role == Role::Organization {
                return Forbidden;
            }
            if in_subtree(r) { Allow } else { NotFound }
        }
        (Action::ManageLiaison, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(r) && matches!(who.role, Role::Admin | Role::CivilAffairs | Role::RuralRevitalization))
        }
        (Action::ViewPairing, Target::Pairing { org_id, org_region, target }) => {
            if in_subtree(target) || in_subtree(org_region) || (who.role == Role::Organization && who.org_id == Some(org_id)) {
                Allow
            } else {
                NotFound
            }
        }
        (Action::SignForTeam, Target::Team { lead_org_id, .. }) => {
            if decide(who, Action::ViewTeam, target) != Allow {
                return NotFound;
            }
            permitted(who.is_org(lead_org_id))
        }
        (Action::ViewTeam, Target::Team { pairings, .. }) => {
            let sees = |p: &TeamParty| decide(who, Action::ViewPairing, Target::Pairing { org_id: p.org_id, org_region: &p.org_region, target: &p.target }) == Allow;
            if pairings.iter().any(sees) { Allow } else { NotFound }
        }
        (Action::ConsentAsOrg, Target::Pairing { org_id, .. }) => {
            if decide(who, Action::ViewPairing, target) != Allow {
                return NotFound;
            }
            permitted(who.role == Role::Organization && who.org_id == Some(org_id))
        }
        (Action::ConsentAsCounty, Target::Pairing { target: t, .. }) => {
            if decide(who, Action::ViewPairing, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(t) && matches!(who.role, Role::Admin | Role::RuralRevitalization))
        }
        (Action::SignAgreement, Target::Pairing { org_id, target: t, .. }) => {
            if decide(who, Action::ViewPairing, target) != Allow {
                return NotFound;
            }
            let own = who.role == Role::Organization && who.org_id == Some(org_id);
            permitted(own || (in_subtree(t) && matches!(who.role, Role::Admin | Role::RuralRevitalization | Role::CivilAffairs)))
        }
        (Action::ManagePairing, Target::Pairing { target: t, .. }) => {
            if decide(who, Action::ViewPairing, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(t) && matches!(who.role, Role::Admin | Role::RuralRevitalization | Role::CivilAffairs))
        }
        (Action::ViewCoverage, Target::Region(r)) => {
            if who.role == Role::Organization || in_subtree(r) || (gov && r.contains(&who.region)) { Allow } else { NotFound }
        }
        (Action::ProposePairing | Action::RequestAdjustment, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            // Organisations propose for themselves anywhere; officers within their subtree.
            permitted(who.role == Role::Organization || (in_subtree(r) && matches!(who.role, Role::Admin | Role::RuralRevitalization | Role::CivilAffairs)))
        }
        (Action::ManageBatch, Target::Region(r)) => {
            if who.role == Role::Organization {
                return Forbidden;
            }
            if !in_subtree(r) {
                return NotFound;
            }
            // Lists are issued by provinces and by the ministries.
            permitted(
                matches!(who.role, Role::Admin | Role::RuralRevitalization | Role::CivilAffairs)
                    && who.region.level() <= Level::Province,
            )
        }
        (Action::PlanPairing, Target::Region(r)) => {
            if who.role == Role::Organization {
                return Forbidden;
            }
            if !in_subtree(r) {
                return NotFound;
            }
            permitted(
                matches!(who.role, Role::Admin | Role::RuralRevitalization | Role::CivilAffairs)
                    && who.region.level() <= Level::Prefecture,
            )
        }
        (Action::ApproveAdjustment, Target::Region(r)) => {
            if who.role == Role::Organization {
                return Forbidden;
            }
            if !in_subtree(r) {
                return NotFound;
            }
            // The two departments of the level that issued the list, each for itself.
            permitted(who.region == *r && matches!(who.role, Role::RuralRevitalization | Role::CivilAffairs))
        }
        (Action::ViewOffer, Target::Offer { org_id, org_region, published }) => {
            if published || decide(who, Action::ManageOffer, Target::Organization { id: org_id, region: org_region }) == Allow {
                Allow
            } else {
                NotFound
            }
        }
        (Action::DecideMatch, Target::Match { demand_region, org_id }) => {
            if who.is_org(org_id) || decide(who, Action::OrderOffer, Target::Region(demand_region)) == Allow { Allow } else { NotFound }
        }
        (Action::ViewAdjustment, Target::Adjustment { org_id, target, batch_region }) => {
            if who.is_org(org_id) || (gov && (who.region.contains(target) || who.region == *batch_region)) { Allow } else { NotFound }
        }
        (Action::OpenDemandFile, Target::Demand { region, household, .. }) => {
            if decide(who, Action::ViewDemand, target) != Allow || (household && decide(who, Action::ViewHousehold, Target::Region(region)) != Allow) {
                NotFound
            } else {
                Allow
            }
        }
        (Action::ViewDemand, Target::Demand { region, public, .. }) => {
            if public || in_subtree(region) { Allow } else { NotFound }
        }
        (Action::ViewDemandParties, Target::Demand { region, .. }) => {
            if in_subtree(region) { Allow } else { NotFound }
        }
        (Action::EditDemand, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(r) && matches!(who.role, Role::Admin | Role::RuralRevitalization))
        }
        (Action::ViewHousehold, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(r) && matches!(who.role, Role::Admin | Role::RuralRevitalization | Role::CivilAffairs))
        }
        (Action::TakeDemand, Target::Organization { id, .. }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            permitted(who.role == Role::Organization && who.org_id == Some(id))
        }
        (Action::OrderOffer, Target::Region(r)) => {
            if decide(who, Action::ViewRegion, target) != Allow {
                return NotFound;
            }
            permitted(in_subtree(r) && matches!(who.role, Role::Admin | Role::RuralRevitalization))
        }
        (Action::ManageOffer, Target::Organization { id, region }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            let own = who.role == Role::Organization && who.org_id == Some(id);
            permitted(own || (in_subtree(region) && matches!(who.role, Role::Admin | Role::CivilAffairs | Role::RuralRevitalization)))
        }
        (Action::ViewMatchStats, Target::Region(r)) => {
            if who.role == Role::Organization {
                return Forbidden;
            }
            if in_subtree(r) { Allow } else { NotFound }
        }
        (Action::ViewProject, Target::Project { org_id, region }) => {
            if who.is_org(org_id) || in_subtree(region) { Allow } else { NotFound }
        }
        (Action::EditProject, Target::Project { org_id, .. }) => {
            if decide(who, Action::ViewProject, target) != Allow {
                return NotFound;
            }
            permitted(who.is_org(org_id))
        }
        (Action::ConfirmProject, Target::Project { region, .. }) => {
            if decide(who, Action::ViewProject, target) != Allow {
                return NotFound;
            }
            // The helped county's own office: a village's or township's county, a county itself,
            // or the helped region's own office when the project helps a prefecture or province.
            let level = std::cmp::min(region.level(), Level::County);
            permitted(in_subtree(region) && who.role == Role::RuralRevitalization && who.region.level() == level)
        }
        (Action::RecordProject, Target::Organization { id, .. }) => {
            if decide(who, Action::ViewOrganization, target) != Allow {
                return NotFound;
            }
            permitted(who.is_org(id))
        }
        (Action::DefineReport, Target::Region(r)) => {
            if !in_subtree(r) {
                return NotFound;
            }
            permitted(who.role.is_department() && who.region == *r && r.level() <= Level::Province)
        }
        (Action::ManageProjectNatures, Target::Region(r)) => {
            if !in_subtree(r) {
                return NotFound;
            }
            permitted(who.role.is_department() && who.region == *r && r.level() == Level::Province)
        }
        (Action::ExportMonitoring, Target::Region(r)) => {
            if who.role == Role::Organization {
                return Forbidden;
            }
            if !in_subtree(r) {
                return NotFound;
            }
            permitted(matches!(who.role, Role::Admin | Role::RuralRevitalization) && who.region.level() <= Level::County)
        }
        (Action::Commend, Target::Region(r)) => {
            if !in_subtree(r) {
                return if who.role == Role::Organization { Forbidden } else { NotFound };
            }
            permitted(who.role.is_department() && who.region == *r)
        }
        (Action::ViewFlag, Target::Flag { org_region, region }) => {
            let office = who.role.is_department() || who.role == Role::Admin;
            if office && (in_subtree(region) || org_region.is_some_and(in_subtree)) { Allow } else { NotFound }
        }
        (Action::HandleFlag, Target::Flag { .. }) => {
            if decide(who, Action::ViewFlag, target) != Allow {
                return NotFound;
            }
            permitted(who.role.is_department())
        }
        (Action::ManageMonitoringLayout, Target::Region(r)) => {
            if !in_subtree(r) {
                return NotFound;
            }
            permitted(who.role == Role::Admin && who.region.level() == Level::National)
        }
        (Action::ManageReportTables, Target::Region(r)) => {
            if !in_subtree(r) {
                return NotFound;
            }
            permitted(who.role == Role::Admin && who.region.level() <= Level::Province)
        }
        (Action::ViewReport, Target::Report { unit, .. }) => {
            if !in_subtree(unit) {
                return NotFound;
            }
            permitted(who.role.is_department() || who.role == Role::Admin)
        }
        (Action::FillReport, Target::Report { unit, .. }) => {
            if decide(who, Action::ViewReport, target) != Allow {
                return NotFound;
            }
            permitted(who.role.is_department() && who.region == *unit)
        }
        (Action::ReviewReport, Target::Report { reviewer, .. }) => {
            if decide(who, Action::ViewReport, target) != Allow {
                return NotFound;
            }
            permitted(who.role.is_department() && who.region == *reviewer)
        }
        // An organisation's own report: the organisation, and the offices at
        // or above the one that reviews it; the organisation fills it, that
        // office reviews it.
        (Action::ViewReport, Target::OrgReport { org_id, reviewer }) => {
            if who.is_org(org_id) || ((who.role.is_department() || who.role == Role::Admin) && who.region.contains(reviewer)) { Allow } else { NotFound }
        }
        (Action::FillReport, Target::OrgReport { org_id, .. }) => {
            if decide(who, Action::ViewReport, target) != Allow {
                return NotFound;
            }
            permitted(who.is_org(org_id))
        }
        (Action::ReviewReport, Target::OrgReport { reviewer, .. }) => {
            if decide(who, Action::ViewReport, target) != Allow {
                return NotFound;
            }
            permitted(who.role.is_department() && who.region == *reviewer)
        }
        (Action::ViewComplaint, Target::Complaint { office, org_id, shared }) => {
            let officer = who.role == Role::CivilAffairs && who.region.contains(office);
            let asked = shared && org_id.is_some_and(|id| who.is_org(id));
            if officer || asked { Allow } else { NotFound }
        }
        (Action::HandleComplaint | Action::ViewComplainant, Target::Complaint { office, .. }) => {
            if decide(who, Action::ViewComplaint, target) != Allow {
                return NotFound;
            }
            permitted(who.role == Role::CivilAffairs && who.region == *office)
        }
        (Action::AnswerComplaint, Target::Complaint { org_id, .. }) => {
            if decide(who, Action::ViewComplaint, target) != Allow {
                return NotFound;
            }
            permitted(org_id.is_some_and(|id| who.is_org(id)))
        }
        _ => NotFound,
    }
}

/// Who approves the publication of a demand (configured per platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandApproval {
    /// The civil-affairs office of the recording unit's own region (the default).
    #[default]
    CivilAffairs,
    /// The rural-revitalisation unit one level up (a county's demands: the prefecture).
    Superior,
}

impl DemandApproval {
    pub fn parse(s: &str) -> Option<DemandApproval> {
        match s.trim() {
            "civil_affairs" => Some(DemandApproval::CivilAffairs),
            "superior" => Some(DemandApproval::Superior),
            _ => None,
        }
    }
}

/// Whether `who` may approve (publish or return) a demand recorded by the unit at `unit_region`.
pub fn decide_demand_approval(who: &Principal, unit_region: &RegionCode, mode: DemandApproval) -> Decision {
    if !(who.role.is_government() && who.region.contains(unit_region)) {
        return Decision::NotFound;
    }
    let ok = match mode {
        DemandApproval::CivilAffairs => who.role == Role::CivilAffairs && who.region == *unit_region,
        DemandApproval::Superior => who.role == Role::RuralRevitalization && unit_region.parent().as_ref() == Some(&who.region),
    };
    if ok { Decision::Allow } else { Decision::Forbidden }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn principal(role: Role, region: &str, org: Option<i64>) -> Principal {
        Principal::of_account(1, "u".into(), role, code(region), org)
    }

    /// Roles × actions × {in scope, out of scope}, each answer written out by hand.
    ///
    /// The principals: a provincial officer of Yunnan (53), or the organisation 7
    /// registered in Yunnan. "In scope" targets lie in 彝良县 (530628) / are org 7;
    /// "out of scope" targets lie in 贵州 (52) / are org 8.
    #[test]
    fn every_role_action_and_scope_has_the_expected_answer() {
        let inside = code("530628");
        let outside = code("520102");
        let national = RegionCode::national();
        #[rustfmt::skip]
        let table: &[(Role, Action, Decision, Decision)] = &[
            // role                      action                     in scope   out of scope
            (Role::Admin,               Action::ViewComplaint,     NotFound,  NotFound),
            (Role::Admin,               Action::HandleComplaint,   NotFound,  NotFound),
            (Role::Admin,               Action::ViewComplainant,   NotFound,  NotFound),
            (Role::Admin,               Action::AnswerComplaint,   NotFound,  NotFound),
            (Role::CivilAffairs,        Action::ViewComplaint,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::HandleComplaint,   Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewComplainant,   Forbidden, NotFound),
            (Role::CivilAffairs,        Action::AnswerComplaint,   Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewComplaint,     NotFound,  NotFound),
            (Role::RuralRevitalization, Action::HandleComplaint,   NotFound,  NotFound),
            (Role::RuralRevitalization, Action::ViewComplainant,   NotFound,  NotFound),
            (Role::RuralRevitalization, Action::AnswerComplaint,   NotFound,  NotFound),
            (Role::Supervisor,          Action::ViewComplaint,     NotFound,  NotFound),
            (Role::Supervisor,          Action::HandleComplaint,   NotFound,  NotFound),
            (Role::Supervisor,          Action::ViewComplainant,   NotFound,  NotFound),
            (Role::Supervisor,          Action::AnswerComplaint,   NotFound,  NotFound),
            (Role::Organization,        Action::ViewComplaint,     Allow,     NotFound),
            (Role::Organization,        Action::HandleComplaint,   Forbidden, NotFound),
            (Role::Organization,        Action::ViewComplainant,   Forbidden, NotFound),
            (Role::Organization,        Action::AnswerComplaint,   Allow,     NotFound),
            (Role::Admin,               Action::ExportMonitoring,  Allow,     NotFound),
            (Role::CivilAffairs,        Action::ExportMonitoring,  Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ExportMonitoring,  Allow,     NotFound),
            (Role::Supervisor,          Action::ExportMonitoring,  Forbidden, NotFound),
            (Role::Organization,        Action::ExportMonitoring,  Forbidden, Forbidden),
            (Role::Admin,               Action::ManageMonitoringLayout, Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ManageMonitoringLayout, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ManageMonitoringLayout, Forbidden, NotFound),
            (Role::Supervisor,          Action::ManageMonitoringLayout, Forbidden, NotFound),
            (Role::Organization,        Action::ManageMonitoringLayout, NotFound,  NotFound),
            (Role::Admin,               Action::Commend,           Forbidden, NotFound),
            (Role::CivilAffairs,        Action::Commend,           Forbidden, NotFound),
            (Role::RuralRevitalization, Action::Commend,           Forbidden, NotFound),
            (Role::Supervisor,          Action::Commend,           Forbidden, NotFound),
            (Role::Organization,        Action::Commend,           Forbidden, Forbidden),
            (Role::Admin,               Action::ViewFlag,          Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewFlag,          Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewFlag,          Allow,     NotFound),
            (Role::Supervisor,          Action::ViewFlag,          NotFound,  NotFound),
            (Role::Organization,        Action::ViewFlag,          NotFound,  NotFound),
            (Role::Admin,               Action::HandleFlag,        Forbidden, NotFound),
            (Role::CivilAffairs,        Action::HandleFlag,        Allow,     NotFound),
            (Role::RuralRevitalization, Action::HandleFlag,        Allow,     NotFound),
            (Role::Supervisor,          Action::HandleFlag,        NotFound,  NotFound),
            (Role::Organization,        Action::HandleFlag,        NotFound,  NotFound),
            (Role::Admin,               Action::ManageReportTables, Allow,    NotFound),
            (Role::CivilAffairs,        Action::ManageReportTables, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ManageReportTables, Forbidden, NotFound),
            (Role::Supervisor,          Action::ManageReportTables, Forbidden, NotFound),
            (Role::Organization,        Action::ManageReportTables, NotFound, NotFound),
            (Role::Admin,               Action::ManageProjectNatures, Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ManageProjectNatures, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ManageProjectNatures, Forbidden, NotFound),
            (Role::Supervisor,          Action::ManageProjectNatures, Forbidden, NotFound),
            (Role::Organization,        Action::ManageProjectNatures, NotFound,  NotFound),
            (Role::Admin,               Action::DefineReport,      Forbidden, NotFound),
            (Role::Admin,               Action::ViewReport,        Allow,     NotFound),
            (Role::Admin,               Action::FillReport,        Forbidden, NotFound),
            (Role::Admin,               Action::ReviewReport,      Forbidden, NotFound),
            (Role::CivilAffairs,        Action::DefineReport,      Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewReport,        Allow,     NotFound),
            (Role::CivilAffairs,        Action::FillReport,        Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ReviewReport,      Forbidden, NotFound),
            (Role::RuralRevitalization, Action::DefineReport,      Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewReport,        Allow,     NotFound),
            (Role::RuralRevitalization, Action::FillReport,        Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ReviewReport,      Forbidden, NotFound),
            (Role::Supervisor,          Action::DefineReport,      Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewReport,        Forbidden, NotFound),
            (Role::Supervisor,          Action::FillReport,        NotFound,  NotFound),
            (Role::Supervisor,          Action::ReviewReport,      NotFound,  NotFound),
            (Role::Organization,        Action::DefineReport,      NotFound,  NotFound),
            (Role::Organization,        Action::ViewReport,        NotFound,  NotFound),
            (Role::Organization,        Action::FillReport,        NotFound,  NotFound),
            (Role::Organization,        Action::ReviewReport,      NotFound,  NotFound),
            (Role::Admin,               Action::ViewRegion,        Allow,     NotFound),
            (Role::Admin,               Action::EditDesignation,   Allow,     NotFound),
            (Role::Admin,               Action::ViewUser,          Allow,     NotFound),
            (Role::Admin,               Action::ManageUser,        Allow,     NotFound),
            (Role::Admin,               Action::ViewAudit,         Allow,     NotFound),
            (Role::Admin,               Action::ViewOrganization,  Allow,     NotFound),
            (Role::Admin,               Action::EditOrganization,  Allow,     NotFound),
            (Role::Admin,               Action::ViewOrgPublic,     Allow,     Allow),
            (Role::Admin,               Action::SetCreditList,     Allow,     NotFound),
            (Role::Admin,               Action::ApproveOrganization, Allow,   NotFound),
            (Role::Admin,               Action::Enrol,             Allow,     NotFound),
            (Role::Admin,               Action::ViewEnrolments,    Allow,     NotFound),
            (Role::Admin,               Action::ManageLiaison,     Allow,     NotFound),
            (Role::Admin,               Action::ViewPairing,       Allow,     NotFound),
            (Role::Admin,               Action::ViewTeam,          Allow,     NotFound),
            (Role::Admin,               Action::SignForTeam,       Forbidden, NotFound),
            (Role::Admin,               Action::ConsentAsOrg,      Forbidden, NotFound),
            (Role::Admin,               Action::ConsentAsCounty,   Allow,     NotFound),
            (Role::Admin,               Action::SignAgreement,     Allow,     NotFound),
            (Role::Admin,               Action::ManagePairing,     Allow,     NotFound),
            (Role::Admin,               Action::ProposePairing,    Allow,     NotFound),
            (Role::Admin,               Action::ManageBatch,       Allow,     NotFound),
            (Role::Admin,               Action::PlanPairing,       Allow,     NotFound),
            (Role::Admin,               Action::RequestAdjustment, Allow,     NotFound),
            (Role::Admin,               Action::ApproveAdjustment, Forbidden, NotFound),
            (Role::Admin,               Action::ViewDemand,        Allow,     NotFound),
            (Role::Admin,               Action::EditDemand,        Allow,     NotFound),
            (Role::Admin,               Action::ViewHousehold,     Allow,     NotFound),
            (Role::Admin,               Action::TakeDemand,        Forbidden, NotFound),
            (Role::Admin,               Action::OrderOffer,        Allow,     NotFound),
            (Role::Admin,               Action::ManageOffer,       Allow,     NotFound),
            (Role::Admin,               Action::ViewOffer,         Allow,     NotFound),
            (Role::Admin,               Action::ViewCoverage,      Allow,     NotFound),
            (Role::Admin,               Action::OpenDemandFile,    Allow,     NotFound),
            (Role::Admin,               Action::DecideMatch,       Allow,     NotFound),
            (Role::Admin,               Action::ViewAdjustment,    Allow,     NotFound),
            (Role::Admin,               Action::ViewMatchStats,    Allow,     NotFound),
            (Role::Admin,         Action::ViewDemandParties, Allow,     NotFound),
            (Role::Admin,         Action::RecordOrgFacts,    Allow,     NotFound),
            (Role::Admin, Action::ViewProject, Allow, NotFound),
            (Role::Admin, Action::RecordProject, Forbidden, NotFound),
            (Role::Admin, Action::EditProject, Forbidden, NotFound),
            (Role::Admin, Action::ConfirmProject, Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewRegion,        Allow,     NotFound),
            (Role::CivilAffairs,        Action::EditDesignation,   Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewUser,          NotFound,  NotFound),
            (Role::CivilAffairs,        Action::ManageUser,        NotFound,  NotFound),
            (Role::CivilAffairs,        Action::ViewAudit,         Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewOrganization,  Allow,     NotFound),
            (Role::CivilAffairs,        Action::EditOrganization,  Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewOrgPublic,     Allow,     Allow),
            (Role::CivilAffairs,        Action::SetCreditList,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::ApproveOrganization, Allow,   NotFound),
            (Role::CivilAffairs,        Action::Enrol,             Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewEnrolments,    Allow,     NotFound),
            (Role::CivilAffairs,        Action::ManageLiaison,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewPairing,       Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewTeam,          Allow,     NotFound),
            (Role::CivilAffairs,        Action::SignForTeam,       Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ConsentAsOrg,      Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ConsentAsCounty,   Forbidden, NotFound),
            (Role::CivilAffairs,        Action::SignAgreement,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::ManagePairing,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::ProposePairing,    Allow,     NotFound),
            (Role::CivilAffairs,        Action::ManageBatch,       Allow,     NotFound),
            (Role::CivilAffairs,        Action::PlanPairing,       Allow,     NotFound),
            (Role::CivilAffairs,        Action::RequestAdjustment, Allow,     NotFound),
            (Role::CivilAffairs,        Action::ApproveAdjustment, Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewDemand,        Allow,     NotFound),
            (Role::CivilAffairs,        Action::EditDemand,        Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ViewHousehold,     Allow,     NotFound),
            (Role::CivilAffairs,        Action::TakeDemand,        Forbidden, NotFound),
            (Role::CivilAffairs,        Action::OrderOffer,        Forbidden, NotFound),
            (Role::CivilAffairs,        Action::ManageOffer,       Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewOffer,         Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewCoverage,      Allow,     NotFound),
            (Role::CivilAffairs,        Action::OpenDemandFile,    Allow,     NotFound),
            (Role::CivilAffairs,        Action::DecideMatch,       NotFound,  NotFound),
            (Role::CivilAffairs,        Action::ViewAdjustment,    Allow,     NotFound),
            (Role::CivilAffairs,        Action::ViewMatchStats,    Allow,     NotFound),
            (Role::CivilAffairs,  Action::ViewDemandParties, Allow,     NotFound),
            (Role::CivilAffairs,  Action::RecordOrgFacts,    Allow,     NotFound),
            (Role::CivilAffairs, Action::ViewProject, Allow, NotFound),
            (Role::CivilAffairs, Action::RecordProject, Forbidden, NotFound),
            (Role::CivilAffairs, Action::EditProject, Forbidden, NotFound),
            (Role::CivilAffairs, Action::ConfirmProject, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewRegion,        Allow,     NotFound),
            (Role::RuralRevitalization, Action::EditDesignation,   Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewUser,          NotFound,  NotFound),
            (Role::RuralRevitalization, Action::ManageUser,        NotFound,  NotFound),
            (Role::RuralRevitalization, Action::ViewAudit,         Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewOrganization,  Allow,     NotFound),
            (Role::RuralRevitalization, Action::EditOrganization,  Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewOrgPublic,     Allow,     Allow),
            (Role::RuralRevitalization, Action::SetCreditList,     Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ApproveOrganization, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::Enrol,             Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewEnrolments,    Allow,     NotFound),
            (Role::RuralRevitalization, Action::ManageLiaison,     Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewPairing,       Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewTeam,          Allow,     NotFound),
            (Role::RuralRevitalization, Action::SignForTeam,       Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ConsentAsOrg,      Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ConsentAsCounty,   Allow,     NotFound),
            (Role::RuralRevitalization, Action::SignAgreement,     Allow,     NotFound),
            (Role::RuralRevitalization, Action::ManagePairing,     Allow,     NotFound),
            (Role::RuralRevitalization, Action::ProposePairing,    Allow,     NotFound),
            (Role::RuralRevitalization, Action::ManageBatch,       Allow,     NotFound),
            (Role::RuralRevitalization, Action::PlanPairing,       Allow,     NotFound),
            (Role::RuralRevitalization, Action::RequestAdjustment, Allow,     NotFound),
            (Role::RuralRevitalization, Action::ApproveAdjustment, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewDemand,        Allow,     NotFound),
            (Role::RuralRevitalization, Action::EditDemand,        Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewHousehold,     Allow,     NotFound),
            (Role::RuralRevitalization, Action::TakeDemand,        Forbidden, NotFound),
            (Role::RuralRevitalization, Action::OrderOffer,        Allow,     NotFound),
            (Role::RuralRevitalization, Action::ManageOffer,       Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewOffer,         Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewCoverage,      Allow,     NotFound),
            (Role::RuralRevitalization, Action::OpenDemandFile,    Allow,     NotFound),
            (Role::RuralRevitalization, Action::DecideMatch,       Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewAdjustment,    Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewMatchStats,    Allow,     NotFound),
            (Role::RuralRevitalization, Action::ViewDemandParties, Allow,     NotFound),
            (Role::RuralRevitalization, Action::RecordOrgFacts,    Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ViewProject, Allow, NotFound),
            (Role::RuralRevitalization, Action::RecordProject, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::EditProject, Forbidden, NotFound),
            (Role::RuralRevitalization, Action::ConfirmProject, Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewRegion,        Allow,     NotFound),
            (Role::Supervisor,          Action::EditDesignation,   Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewUser,          NotFound,  NotFound),
            (Role::Supervisor,          Action::ManageUser,        NotFound,  NotFound),
            (Role::Supervisor,          Action::ViewAudit,         Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewOrganization,  Allow,     NotFound),
            (Role::Supervisor,          Action::EditOrganization,  Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewOrgPublic,     Allow,     Allow),
            (Role::Supervisor,          Action::SetCreditList,     Forbidden, NotFound),
            (Role::Supervisor,          Action::ApproveOrganization, Forbidden, NotFound),
            (Role::Supervisor,          Action::Enrol,             Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewEnrolments,    Allow,     NotFound),
            (Role::Supervisor,          Action::ManageLiaison,     Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewPairing,       Allow,     NotFound),
            (Role::Supervisor,          Action::ViewTeam,          Allow,     NotFound),
            (Role::Supervisor,          Action::SignForTeam,       Forbidden, NotFound),
            (Role::Supervisor,          Action::ConsentAsOrg,      Forbidden, NotFound),
            (Role::Supervisor,          Action::ConsentAsCounty,   Forbidden, NotFound),
            (Role::Supervisor,          Action::SignAgreement,     Forbidden, NotFound),
            (Role::Supervisor,          Action::ManagePairing,     Forbidden, NotFound),
            (Role::Supervisor,          Action::ProposePairing,    Forbidden, NotFound),
            (Role::Supervisor,          Action::ManageBatch,       Forbidden, NotFound),
            (Role::Supervisor,          Action::PlanPairing,       Forbidden, NotFound),
            (Role::Supervisor,          Action::RequestAdjustment, Forbidden, NotFound),
            (Role::Supervisor,          Action::ApproveAdjustment, Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewDemand,        Allow,     NotFound),
            (Role::Supervisor,          Action::EditDemand,        Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewHousehold,     Forbidden, NotFound),
            (Role::Supervisor,          Action::TakeDemand,        Forbidden, NotFound),
            (Role::Supervisor,          Action::OrderOffer,        Forbidden, NotFound),
            (Role::Supervisor,          Action::ManageOffer,       Forbidden, NotFound),
            (Role::Supervisor,          Action::ViewOffer,         NotFound,  NotFound),
            (Role::Supervisor,          Action::ViewCoverage,      Allow,     NotFound),
            (Role::Supervisor,          Action::OpenDemandFile,    NotFound,  NotFound),
            (Role::Supervisor,          Action::DecideMatch,       NotFound,  NotFound),
            (Role::Supervisor,          Action::ViewAdjustment,    Allow,     NotFound),
            (Role::Supervisor,          Action::ViewMatchStats,    Allow,     NotFound),
            (Role::Supervisor,    Action::ViewDemandParties, Allow,     NotFound),
            (Role::Supervisor,    Action::RecordOrgFacts,    Forbidden, NotFound),
            (Role::Supervisor, Action::ViewProject, Allow, NotFound),
            (Role::Supervisor, Action::RecordProject, Forbidden, NotFound),
            (Role::Supervisor, Action::EditProject, Forbidden, NotFound),
            (Role::Supervisor, Action::ConfirmProject, Forbidden, NotFound),
            (Role::Organization,        Action::ViewRegion,        Allow,     Allow),
            (Role::Organization,        Action::EditDesignation,   Forbidden, Forbidden),
            (Role::Organization,        Action::ViewUser,          NotFound,  NotFound),
            (Role::Organization,        Action::ManageUser,        NotFound,  NotFound),
            (Role::Organization,        Action::ViewAudit,         Forbidden, Forbidden),
            (Role::Organization,        Action::ViewOrganization,  Allow,     NotFound),
            (Role::Organization,        Action::EditOrganization,  Allow,     NotFound),
            (Role::Organization,        Action::ViewOrgPublic,     Allow,     Allow),
            (Role::Organization,        Action::SetCreditList,     Forbidden, NotFound),
            (Role::Organization,        Action::ApproveOrganization, Forbidden, NotFound),
            (Role::Organization,        Action::Enrol,             Allow,     NotFound),
            (Role::Organization,        Action::ViewEnrolments,    Forbidden, Forbidden),
            (Role::Organization,        Action::ManageLiaison,     Forbidden, Forbidden),
            (Role::Organization,        Action::ViewPairing,       Allow,     NotFound),
            (Role::Organization,        Action::ViewTeam,          Allow,     NotFound),
            (Role::Organization,        Action::SignForTeam,       Allow,     NotFound),
            (Role::Organization,        Action::ConsentAsOrg,      Allow,     NotFound),
            (Role::Organization,        Action::ConsentAsCounty,   Forbidden, NotFound),
            (Role::Organization,        Action::SignAgreement,     Allow,     NotFound),
            (Role::Organization,        Action::ManagePairing,     Forbidden, NotFound),
            (Role::Organization,        Action::ProposePairing,    Allow,     Allow),
            (Role::Organization,        Action::ManageBatch,       Forbidden, Forbidden),
            (Role::Organization,        Action::PlanPairing,       Forbidden, Forbidden),
            (Role::Organization,        Action::RequestAdjustment, Allow,     Allow),
            (Role::Organization,        Action::ApproveAdjustment, Forbidden, Forbidden),
            (Role::Organization,        Action::ViewDemand,        NotFound,  NotFound),
            (Role::Organization,        Action::EditDemand,        Forbidden, Forbidden),
            (Role::Organization,        Action::ViewHousehold,     Forbidden, Forbidden),
            (Role::Organization,        Action::TakeDemand,        Allow,     NotFound),
            (Role::Organization,        Action::OrderOffer,        Forbidden, Forbidden),
            (Role::Organization,        Action::ManageOffer,       Allow,     NotFound),
            (Role::Organization,        Action::ViewOffer,         Allow,     NotFound),
            (Role::Organization,        Action::ViewCoverage,      Allow,     Allow),
            (Role::Organization,        Action::OpenDemandFile,    NotFound,  NotFound),
            (Role::Organization,        Action::DecideMatch,       Allow,     NotFound),
            (Role::Organization,        Action::ViewAdjustment,    Allow,     NotFound),
            (Role::Organization,        Action::ViewMatchStats,    Forbidden, Forbidden),
            (Role::Organization,  Action::ViewDemandParties, NotFound,  NotFound),
            (Role::Organization,  Action::RecordOrgFacts,    Forbidden, NotFound),
            (Role::Organization, Action::ViewProject, Allow, NotFound),
            (Role::Organization, Action::RecordProject, Allow, NotFound),
            (Role::Organization, Action::EditProject, Allow, NotFound),
            (Role::Organization, Action::ConfirmProject, Forbidden, NotFound),
        ];
        assert_eq!(table.len(), Role::ALL.len() * Action::ALL.len(), "the table must cover every pair");
        for &(role, action, want_in, want_out) in table {
            let who = principal(role, "53", (role == Role::Organization).then_some(7));
            for (region, org, want, label) in [(&inside, 7, want_in, "in"), (&outside, 8, want_out, "out")] {
                let team = [TeamParty { org_id: org, org_region: region.clone(), target: region.clone() }];
                let target = match action {
                    Action::ViewRegion
                    | Action::EditDesignation
                    | Action::ViewAudit
                    | Action::ViewEnrolments
                    | Action::ManageLiaison
                    | Action::ProposePairing
                    | Action::ViewCoverage
                    | Action::ManageBatch
                    | Action::PlanPairing
                    | Action::RequestAdjustment
                    | Action::ApproveAdjustment
                    | Action::EditDemand
                    | Action::ViewHousehold
                    | Action::OrderOffer
                    | Action::ViewMatchStats
                    | Action::DefineReport
                    | Action::ManageReportTables
                    | Action::ManageProjectNatures
                    | Action::ExportMonitoring
                    | Action::ManageMonitoringLayout
                    | Action::Commend => Target::Region(region),
                    // The unit in the region, reviewed by a level the provincial officer is not.
                    Action::ViewReport | Action::FillReport | Action::ReviewReport => Target::Report { unit: region, reviewer: &national },
                    // Unpublished demands: organisations never see them, officers in their subtree.
                    Action::ViewDemand => Target::Demand { region, public: false, household: false },
                    // A household's files, of a published demand.
                    Action::OpenDemandFile => Target::Demand { region, public: true, household: true },
                    // Published: what matters is whose demand it is.
                    Action::ViewDemandParties => Target::Demand { region, public: true, household: false },
                    Action::ViewPairing
                    | Action::ConsentAsOrg
                    | Action::ConsentAsCounty
                    | Action::SignAgreement
                    | Action::ManagePairing => Target::Pairing { org_id: org, org_region: region, target: region },
                    Action::ViewUser | Action::ManageUser => Target::User { region, org_id: None },
                    Action::ViewOrganization
                    | Action::EditOrganization
                    | Action::ViewOrgPublic
                    | Action::SetCreditList
                    | Action::ApproveOrganization
                    | Action::RecordOrgFacts
                    | Action::Enrol
                    | Action::TakeDemand
                    | Action::ManageOffer => Target::Organization { id: org, region },
                    // Unpublished offers: those who manage the organisation's offers.
                    Action::ViewOffer => Target::Offer { org_id: org, org_region: region, published: false },
                    Action::DecideMatch => Target::Match { demand_region: region, org_id: org },
                    // A request of the organisation, about a county in the region, of a list issued elsewhere.
                    Action::ViewAdjustment => Target::Adjustment { org_id: org, target: region, batch_region: &national },
                    // A team of one pairing of the organisation with a county in the region.
                    Action::ViewTeam | Action::SignForTeam => Target::Team { lead_org_id: org, pairings: &team },
                    Action::RecordProject => Target::Organization { id: org, region },
                    // A project of the organisation for a county in the region.
                    Action::ViewProject | Action::EditProject | Action::ConfirmProject => Target::Project { org_id: org, region },
                    // A flag on an organisation registered in the region, about a county elsewhere.
                    Action::ViewFlag | Action::HandleFlag => Target::Flag { org_region: Some(region), region: &national },
                    // A complaint handled in the region about the organisation, which was asked to answer.
                    Action::ViewComplaint | Action::HandleComplaint | Action::ViewComplainant | Action::AnswerComplaint => {
                        Target::Complaint { office: region, org_id: Some(org), shared: true }
                    }
                };
                assert_eq!(decide(&who, action, target), want, "{role:?} {action:?} {label} scope");
            }
        }
    }

    #[test]
    fn a_department_commends_in_its_own_name_only() {
        let (province, county) = (code("53"), code("530628"));
        assert_eq!(decide(&principal(Role::CivilAffairs, "53", None), Action::Commend, Target::Region(&province)), Allow);
        assert_eq!(decide(&principal(Role::RuralRevitalization, "530628", None), Action::Commend, Target::Region(&county)), Allow);
        assert_eq!(decide(&principal(Role::CivilAffairs, "53", None), Action::Commend, Target::Region(&county)), Forbidden, "not in a county's name");
        assert_eq!(decide(&principal(Role::CivilAffairs, "530627", None), Action::Commend, Target::Region(&county)), NotFound);
        assert_eq!(decide(&principal(Role::Admin, "53", None), Action::Commend, Target::Region(&province)), Forbidden);
    }

    #[test]
    fn a_flag_is_seen_by_the_offices_over_the_organisations_registration_and_over_the_county_concerned() {
        let (county, beside, kunming) = (code("530628"), code("530627"), code("530102"));
        // A Kunming organisation's pairing with 彝良县.
        let flag = Target::Flag { org_region: Some(&kunming), region: &county };
        assert_eq!(decide(&principal(Role::CivilAffairs, "530102", None), Action::ViewFlag, flag), Allow, "the registration authority");
        assert_eq!(decide(&principal(Role::RuralRevitalization, "530628", None), Action::HandleFlag, flag), Allow, "the county concerned");
        assert_eq!(decide(&principal(Role::CivilAffairs, "530627", None), Action::ViewFlag, flag), NotFound, "another county");
        assert_eq!(decide(&principal(Role::CivilAffairs, "53", None), Action::ViewFlag, flag), Allow, "the province above both");
        assert_eq!(decide(&principal(Role::Organization, "530102", Some(7)), Action::ViewFlag, flag), NotFound);
        // A report unit's flag has no organisation.
        let unit = Target::Flag { org_region: None, region: &beside };
        assert_eq!(decide(&principal(Role::CivilAffairs, "530628", None), Action::ViewFlag, unit), NotFound);
        assert_eq!(decide(&principal(Role::Admin, "53", None), Action::HandleFlag, unit), Forbidden);
    }

    #[test]
    fn a_county_office_exports_its_own_county_only_and_only_a_national_administrator_edits_the_layout() {
        let (county, beside, prefecture) = (code("530628"), code("530627"), code("5306"));
        let yl = principal(Role::RuralRevitalization, "530628", None);
        assert_eq!(decide(&yl, Action::ExportMonitoring, Target::Region(&county)), Allow);
        assert_eq!(decide(&yl, Action::ExportMonitoring, Target::Region(&beside)), NotFound);
        assert_eq!(decide(&yl, Action::ExportMonitoring, Target::Region(&prefecture)), NotFound, "not the level above");
        let zt = principal(Role::RuralRevitalization, "5306", None);
        assert_eq!(decide(&zt, Action::ExportMonitoring, Target::Region(&county)), Allow);
        assert_eq!(decide(&principal(Role::CivilAffairs, "530628", None), Action::ExportMonitoring, Target::Region(&county)), Forbidden);
        let national = RegionCode::national();
        assert_eq!(decide(&principal(Role::Admin, "000000", None), Action::ManageMonitoringLayout, Target::Region(&national)), Allow);
        assert_eq!(decide(&principal(Role::Admin, "53", None), Action::ManageMonitoringLayout, Target::Region(&code("53"))), Forbidden);
        assert_eq!(decide(&principal(Role::RuralRevitalization, "000000", None), Action::ManageMonitoringLayout, Target::Region(&national)), Forbidden);
    }

    #[test]
    fn a_complaint_is_handled_by_its_own_office_seen_above_and_shown_to_its_organisation_once_asked() {
        let county = code("530628");
        let target = |shared| Target::Complaint { office: &county, org_id: Some(7), shared };
        let office = principal(Role::CivilAffairs, "530628", None);
        let prefecture = principal(Role::CivilAffairs, "5306", None);
        let neighbour = principal(Role::CivilAffairs, "530627", None);
        let rural = principal(Role::RuralRevitalization, "530628", None);
        let org = principal(Role::Organization, "530628", Some(7));
        let other_org = principal(Role::Organization, "530628", Some(8));
        for action in [Action::ViewComplaint, Action::HandleComplaint, Action::ViewComplainant] {
            assert_eq!(decide(&office, action, target(false)), Allow, "{action:?}");
        }
        assert_eq!(decide(&office, Action::AnswerComplaint, target(true)), Forbidden);
        assert_eq!(decide(&prefecture, Action::ViewComplaint, target(false)), Allow, "an office above sees it");
        assert_eq!(decide(&prefecture, Action::HandleComplaint, target(false)), Forbidden, "but does not handle it");
        assert_eq!(decide(&prefecture, Action::ViewComplainant, target(false)), Forbidden, "nor see who complained");
        for who in [&neighbour, &rural, &other_org, &principal(Role::Admin, "000000", None)] {
            assert_eq!(decide(who, Action::ViewComplaint, target(true)), NotFound, "{who:?}");
        }
        assert_eq!(decide(&org, Action::ViewComplaint, target(false)), NotFound, "not before the office asks");
        assert_eq!(decide(&org, Action::ViewComplaint, target(true)), Allow);
        assert_eq!(decide(&org, Action::AnswerComplaint, target(true)), Allow);
        assert_eq!(decide(&org, Action::ViewComplainant, target(true)), Forbidden, "never who complained");
        let unregistered = Target::Complaint { office: &county, org_id: None, shared: false };
        assert_eq!(decide(&office, Action::HandleComplaint, unregistered), Allow);
        assert_eq!(decide(&org, Action::ViewComplaint, unregistered), NotFound);
    }

    #[test]
    fn a_unit_fills_its_own_report_and_only_the_level_above_reviews_it() {
        let (county, prefecture, province) = (code("530628"), code("5306"), code("53"));
        let target = Target::Report { unit: &county, reviewer: &prefecture };
        let county_office = principal(Role::CivilAffairs, "530628", None);
        let county_rr = principal(Role::RuralRevitalization, "530628", None);
        let prefecture_office = principal(Role::CivilAffairs, "5306", None);
        let province_office = principal(Role::CivilAffairs, "53", None);
        let neighbour = principal(Role::CivilAffairs, "530627", None);
        assert_eq!(decide(&county_office, Action::FillReport, target), Allow);
        assert_eq!(decide(&county_rr, Action::FillReport, target), Allow, "both departments report together");
        assert_eq!(decide(&county_office, Action::ReviewReport, target), Forbidden, "nobody approves their own report");
        assert_eq!(decide(&prefecture_office, Action::ReviewReport, target), Allow);
        assert_eq!(decide(&prefecture_office, Action::FillReport, target), Forbidden);
        assert_eq!(decide(&province_office, Action::ReviewReport, target), Forbidden, "the province reviews the prefecture, not the county");
        assert_eq!(decide(&province_office, Action::ViewReport, target), Allow);
        assert_eq!(decide(&neighbour, Action::ViewReport, target), NotFound);
        assert_eq!(decide(&province_office, Action::DefineReport, Target::Region(&province)), Allow);
        assert_eq!(decide(&prefecture_office, Action::DefineReport, Target::Region(&prefecture)), Forbidden, "a prefecture does not collect");
    }

    #[test]
    fn an_organisation_fills_its_own_report_and_its_registration_office_reviews_it() {
        let (province, county) = (code("53"), code("530628"));
        let target = Target::OrgReport { org_id: 7, reviewer: &province };
        let own = principal(Role::Organization, "53", Some(7));
        let other = principal(Role::Organization, "53", Some(8));
        let province_office = principal(Role::CivilAffairs, "53", None);
        let national = principal(Role::CivilAffairs, "000000", None);
        let county_office = principal(Role::CivilAffairs, "530628", None);
        assert_eq!(decide(&own, Action::FillReport, target), Allow);
        assert_eq!(decide(&own, Action::ReviewReport, target), Forbidden);
        assert_eq!(decide(&other, Action::ViewReport, target), NotFound, "another organisation never sees it");
        assert_eq!(decide(&province_office, Action::ReviewReport, target), Allow);
        assert_eq!(decide(&province_office, Action::FillReport, target), Forbidden);
        assert_eq!(decide(&national, Action::ViewReport, target), Allow);
        assert_eq!(decide(&national, Action::ReviewReport, target), Forbidden);
        assert_eq!(decide(&county_office, Action::ViewReport, target), NotFound, "below the reviewer: not its business");
        let by_county = Target::OrgReport { org_id: 7, reviewer: &county };
        assert_eq!(decide(&county_office, Action::ReviewReport, by_county), Allow);
    }

    #[test]
    fn only_a_provincial_office_keeps_its_provinces_natures() {
        let (yunnan, zhaotong, guizhou) = (code("53"), code("5306"), code("52"));
        for role in [Role::CivilAffairs, Role::RuralRevitalization] {
            assert_eq!(decide(&principal(role, "53", None), Action::ManageProjectNatures, Target::Region(&yunnan)), Allow, "{role:?}");
        }
        assert_eq!(decide(&principal(Role::CivilAffairs, "53", None), Action::ManageProjectNatures, Target::Region(&guizhou)), NotFound, "not another province's");
        assert_eq!(decide(&principal(Role::CivilAffairs, "5306", None), Action::ManageProjectNatures, Target::Region(&zhaotong)), Forbidden, "a prefecture keeps none");
        assert_eq!(decide(&principal(Role::CivilAffairs, "000000", None), Action::ManageProjectNatures, Target::Region(&yunnan)), Forbidden, "the ministry leaves it to the province");
        assert_eq!(decide(&principal(Role::Admin, "53", None), Action::ManageProjectNatures, Target::Region(&yunnan)), Forbidden);
    }

    #[test]
    fn a_county_office_reads_the_coverage_of_the_regions_above_it_but_not_beside_it() {
        let county = principal(Role::RuralRevitalization, "530628", None);
        for above in ["5306", "53", "000000"] {
            assert_eq!(decide(&county, Action::ViewCoverage, Target::Region(&code(above))), Allow, "{above}");
        }
        assert_eq!(decide(&county, Action::ViewCoverage, Target::Region(&code("530627"))), NotFound);
        assert_eq!(decide(&county, Action::ViewCoverage, Target::Region(&code("52"))), NotFound);
        // Read-only: it plans and proposes nothing there.
        assert_eq!(decide(&county, Action::PlanPairing, Target::Region(&code("5306"))), NotFound);
    }

    #[test]
    fn a_published_offer_is_seen_by_everyone_logged_in() {
        let far = code("520102");
        for who in [principal(Role::Organization, "52", Some(99)), principal(Role::Supervisor, "520102", None), principal(Role::CivilAffairs, "530628", None)] {
            assert_eq!(decide(&who, Action::ViewOffer, Target::Offer { org_id: 8, org_region: &far, published: true }), Allow);
        }
    }

    #[test]
    fn a_county_officer_cannot_edit_designations_even_of_its_own_county() {
        let who = principal(Role::RuralRevitalization, "530628", None);
        assert_eq!(decide(&who, Action::EditDesignation, Target::Region(&code("530628"))), Forbidden);
        assert_eq!(decide(&who, Action::ViewRegion, Target::Region(&code("530628101"))), Allow);
        assert_eq!(decide(&who, Action::ViewRegion, Target::Region(&code("5306"))), NotFound);
    }

    #[test]
    fn adjustments_are_approved_by_the_two_departments_of_the_issuing_level() {
        let yunnan = code("53");
        for (role, region, want) in [
            (Role::CivilAffairs, "53", Allow),
            (Role::RuralRevitalization, "53", Allow),
            (Role::CivilAffairs, "5306", NotFound),
            (Role::RuralRevitalization, "000000", Forbidden),
            (Role::Admin, "53", Forbidden),
            (Role::Supervisor, "53", Forbidden),
        ] {
            let who = principal(role, region, None);
            assert_eq!(decide(&who, Action::ApproveAdjustment, Target::Region(&yunnan)), want, "{role:?} at {region}");
        }
    }

    #[test]
    fn an_officer_sees_pairings_of_organisations_registered_in_its_region_anywhere() {
        // 江苏省民政厅 and a Jiangsu foundation paired with 彝良县 (Yunnan).
        let js = principal(Role::CivilAffairs, "32", None);
        let pairing = Target::Pairing { org_id: 3, org_region: &code("32"), target: &code("530628") };
        assert_eq!(decide(&js, Action::ViewPairing, pairing), Allow);
        assert_eq!(decide(&js, Action::ManagePairing, pairing), Forbidden);
        let county = principal(Role::RuralRevitalization, "530628", None);
        assert_eq!(decide(&county, Action::ConsentAsCounty, pairing), Allow);
        let other_county = principal(Role::RuralRevitalization, "530627", None);
        assert_eq!(decide(&other_county, Action::ViewPairing, pairing), NotFound);
    }

    #[test]
    fn published_demands_are_seen_by_everyone_logged_in_drafts_only_in_scope() {
        let yunnan_draft = Target::Demand { region: &code("530628"), public: false, household: false };
        let yunnan_published = Target::Demand { region: &code("530628"), public: true, household: false };
        let org = principal(Role::Organization, "32", Some(3));
        assert_eq!(decide(&org, Action::ViewDemand, yunnan_published), Allow);
        assert_eq!(decide(&org, Action::ViewDemand, yunnan_draft), NotFound);
        let guizhou = principal(Role::RuralRevitalization, "52", None);
        assert_eq!(decide(&guizhou, Action::ViewDemand, yunnan_published), Allow);
        assert_eq!(decide(&guizhou, Action::ViewDemand, yunnan_draft), NotFound);
    }

    #[test]
    fn who_is_behind_a_published_demand_is_for_its_county_chain_only() {
        let published = Target::Demand { region: &code("530628"), public: true, household: false };
        for (role, region, want) in [
            (Role::RuralRevitalization, "530628", Allow),
            (Role::CivilAffairs, "5306", Allow),
            (Role::CivilAffairs, "53", Allow),
            (Role::Admin, "000000", Allow),
            (Role::RuralRevitalization, "530627", NotFound),
            (Role::RuralRevitalization, "5305", NotFound),
            (Role::RuralRevitalization, "52", NotFound),
        ] {
            let who = principal(role, region, None);
            assert_eq!(decide(&who, Action::ViewDemandParties, published), want, "{role:?} at {region}");
        }
        assert_eq!(decide(&principal(Role::Organization, "53", Some(7)), Action::ViewDemandParties, published), NotFound);
    }

    #[test]
    fn demand_approval_follows_the_configured_rule() {
        let county = code("530628");
        for (role, region, mode, want) in [
            (Role::CivilAffairs, "530628", DemandApproval::CivilAffairs, Allow),
            (Role::RuralRevitalization, "530628", DemandApproval::CivilAffairs, Forbidden),
            (Role::CivilAffairs, "5306", DemandApproval::CivilAffairs, Forbidden),
            (Role::RuralRevitalization, "5306", DemandApproval::Superior, Allow),
            (Role::RuralRevitalization, "53", DemandApproval::Superior, Forbidden),
            (Role::RuralRevitalization, "530627", DemandApproval::Superior, NotFound),
            (Role::Organization, "530628", DemandApproval::CivilAffairs, NotFound),
        ] {
            let who = principal(role, region, if role == Role::Organization { Some(1) } else { None });
            assert_eq!(decide_demand_approval(&who, &county, mode), want, "{role:?} at {region} under {mode:?}");
        }
    }

    #[test]
    fn a_team_is_seen_by_whoever_sees_one_of_its_pairings() {
        // 演示 team for 镇雄县: a Yunnan society (7) and a Jiangsu foundation (3).
        let zhenxiong = code("530627");
        let team = [
            TeamParty { org_id: 7, org_region: code("53"), target: zhenxiong.clone() },
            TeamParty { org_id: 3, org_region: code("32"), target: zhenxiong.clone() },
        ];
        for (who, want) in [
            (principal(Role::RuralRevitalization, "530627", None), Allow),
            (principal(Role::CivilAffairs, "32", None), Allow),
            (principal(Role::Organization, "32", Some(3)), Allow),
            (principal(Role::RuralRevitalization, "530628", None), NotFound),
            (principal(Role::Organization, "53", Some(9)), NotFound),
        ] {
            assert_eq!(decide(&who, Action::ViewTeam, Target::Team { lead_org_id: 7, pairings: &team }), want, "{who:?}");
        }
        assert_eq!(decide(&principal(Role::Admin, "000000", None), Action::ViewTeam, Target::Team { lead_org_id: 7, pairings: &[] }), NotFound, "an empty team shows nothing");
        // Only the lead signs for the whole team; a member signs its own pairing (SignAgreement).
        assert_eq!(decide(&principal(Role::Organization, "53", Some(7)), Action::SignForTeam, Target::Team { lead_org_id: 7, pairings: &team }), Allow);
        assert_eq!(decide(&principal(Role::Organization, "32", Some(3)), Action::SignForTeam, Target::Team { lead_org_id: 7, pairings: &team }), Forbidden);
    }

    #[test]
    fn a_project_is_confirmed_by_the_helped_countys_office_only() {
        let county = code("530628");
        let village = code("530628101001");
        let shaanxi = code("61");
        for (who, region, want) in [
            (principal(Role::RuralRevitalization, "530628", None), &county, Allow),
            (principal(Role::RuralRevitalization, "530628", None), &village, Allow),
            (principal(Role::CivilAffairs, "530628", None), &county, Forbidden),
            (principal(Role::RuralRevitalization, "5306", None), &county, Forbidden),
            (principal(Role::RuralRevitalization, "530627", None), &county, NotFound),
            (principal(Role::RuralRevitalization, "61", None), &shaanxi, Allow),
            (principal(Role::Organization, "53", Some(7)), &county, Forbidden),
        ] {
            assert_eq!(decide(&who, Action::ConfirmProject, Target::Project { org_id: 7, region }), want, "{who:?} on {region}");
        }
        // Officers above the county see it; a neighbour county and another organisation do not.
        assert_eq!(decide(&principal(Role::CivilAffairs, "5306", None), Action::ViewProject, Target::Project { org_id: 7, region: &county }), Allow);
        assert_eq!(decide(&principal(Role::CivilAffairs, "530627", None), Action::ViewProject, Target::Project { org_id: 7, region: &county }), NotFound);
        assert_eq!(decide(&principal(Role::Organization, "53", Some(9)), Action::ViewProject, Target::Project { org_id: 7, region: &county }), NotFound);
    }

    #[test]
    fn mismatched_targets_are_denied() {
        let who = principal(Role::Admin, "000000", None);
        let r = code("53");
        assert_eq!(decide(&who, Action::ViewRegion, Target::User { region: &r, org_id: None }), NotFound);
        assert_eq!(decide(&who, Action::ManageUser, Target::Region(&r)), NotFound);
        assert_eq!(decide(&who, Action::ViewAudit, Target::Organization { id: 1, region: &r }), NotFound);
    }

    #[test]
    fn scopes_follow_the_role() {
        let officer = principal(Role::CivilAffairs, "5306", None);
        assert_eq!(officer.scope().region(), Some(&code("5306")));
        assert!(officer.scope().covers_region(&code("530628")));
        assert!(!officer.scope().covers_region(&code("5305")));
        let org = principal(Role::Organization, "53", Some(7));
        assert_eq!(org.scope().region(), None);
        assert_eq!(org.scope().org_id(), Some(7));
        assert!(!org.scope().covers_region(&code("53")));
    }
}

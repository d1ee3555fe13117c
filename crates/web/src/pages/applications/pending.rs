//! The approval queue: applications in the officer's scope, approved or returned with a reason.

use super::*;

pub(super) struct PendingRow {
    id: i64,
    name: String,
    credit_code: String,
    type_label: &'static str,
    region_name: String,
    supervisor: String,
    fields: String,
    contact_name: String,
    contact_phone: String,
    created: String,
    returned: bool,
    note: String,
    certificates: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "apply_pending.html")]
pub(super) struct PendingPage {
    layout: Layout,
    rows: Vec<PendingRow>,
}

/// Whether the user approves applications at all (admin, civil affairs).
pub(super) fn may_approve(cu: &CurrentUser) -> Result<(), AppError> {
    let region = cu.principal.region().clone();
    match decide(&cu.principal, Action::ApproveOrganization, Target::Organization { id: 0, region: &region }) {
        Decision::Allow if cu.principal.role().is_government() => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

pub(super) async fn pending_list(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<PendingPage, AppError> {
    may_approve(&cu)?;
    let mut rows = Vec::new();
    for o in orgs::awaiting_approval(&state.db, cu.principal.region()).await? {
        let region = o.region();
        if !decide(&cu.principal, Action::ApproveOrganization, Target::Organization { id: o.id, region }).is_allowed() {
            continue;
        }
        let certificates = orgs::attachments_of(&state.db, o.id)
            .await?
            .into_iter()
            .filter(|a| a.kind == "registration_certificate")
            .map(|a| (a.id, a.file_name))
            .collect();
        rows.push(PendingRow {
            id: o.id,
            type_label: o.type_label(),
            region_name: state.tree.full_name(region),
            credit_code: o.credit_code,
            name: o.name,
            supervisor: o.supervisor,
            fields: o.fields,
            contact_name: o.contact_name,
            contact_phone: o.contact_phone,
            created: fmt_time(o.created_at),
            returned: o.approval == duijie_domain::org::Approval::Returned,
            note: o.approval_note,
            certificates,
        });
    }
    rows.sort_by_key(|r| (r.returned, r.id));
    Ok(PendingPage { layout: Layout::new(&state, &cu, "orgs", t.ok).await, rows })
}

#[derive(serde::Deserialize)]
pub(super) struct ApproveForm {}

pub(super) async fn approve(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ApproveForm>) -> Result<Response, AppError> {
    let org = duijie_app::registry::decide_application(&state.db, &p.user.principal, &actor(&p.user), id, true, "").await?;
    Ok(done("/orgs/pending", &format!("已通过 {} 的注册申请", org.name)))
}

#[derive(serde::Deserialize)]
pub(super) struct ReturnForm {
    #[serde(default)]
    reason: String,
}

pub(super) async fn return_application(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ReturnForm>) -> Result<Response, AppError> {
    let org = duijie_app::registry::decide_application(&state.db, &p.user.principal, &actor(&p.user), id, false, &p.form.reason).await?;
    Ok(done("/orgs/pending", &format!("已退回 {} 的注册申请", org.name)))
}

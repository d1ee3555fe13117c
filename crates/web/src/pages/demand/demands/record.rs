//! Recording a demand: the form, each bad field shown under it, a village that does not exist named.

use super::*;

#[derive(Template, WebTemplate)]
#[template(path = "demand_new.html")]
pub(super) struct NewPage {
    layout: Layout,
    form: DemandInput,
    errors: Vec<FieldError>,
    fields: &'static [&'static str],
    targets: Vec<(&'static str, &'static str)>,
    modes: &'static [(&'static str, &'static str)],
    urgencies: &'static [(i64, &'static str)],
    groups: String,
    wish_checked: bool,
}

impl NewPage {
    /// Every message about `field` (a region can be both outside scope and of the wrong level).
    fn err(&self, field: &str) -> Option<String> {
        let all: Vec<&str> = self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
        if all.is_empty() { None } else { Some(all.join("；")) }
    }
}

pub(super) fn new_page_for(cu: &CurrentUser, layout: Layout, form: DemandInput, errors: Vec<FieldError>) -> Result<NewPage, AppError> {
    let who = &cu.principal;
    duijie_app::require(decide(who, Action::EditDemand, Target::Region(who.region())))?;
    let wish_checked = matches!(form.is_wish.trim(), "true" | "on" | "1" | "是");
    Ok(NewPage {
        layout,
        errors,
        fields: duijie_domain::org::FIELDS,
        targets: duijie_domain::demand::Target::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        modes: &MODES,
        urgencies: &URGENCIES,
        groups: GROUPS.join("、"),
        wish_checked,
        form,
    })
}

pub(super) async fn new_form(State(state): State<AppState>, cu: CurrentUser) -> Result<NewPage, AppError> {
    let layout = Layout::new(&state, &cu, "demands", None).await;
    let form =
        DemandInput { target_kind: "township".into(), region: cu.principal.region().as_str().to_string(), urgency: "1".into(), mode: "capacity".into(), ..DemandInput::default() };
    new_page_for(&cu, layout, form, Vec::new())
}

pub(super) async fn new_submit(State(state): State<AppState>, p: Posted<DemandInput>) -> Result<Response, AppError> {
    let cu = p.user;
    duijie_app::require(decide(&cu.principal, Action::EditDemand, Target::Region(cu.principal.region())))?;
    let result = match unknown_village(&state, &p.form.region).await? {
        // `check_demand` knows the tree above village level only; a village code
        // not in the database would fail its foreign key as a 500.
        Some(missing) => {
            let mut errors = match ops::check_demand(&state, &cu.principal, &p.form).map_err(AppError::from) {
                Err(AppError::Invalid(errors)) => errors,
                _ => Vec::new(),
            };
            if !errors.iter().any(|e| e.field == "region") {
                errors.push(missing);
            }
            Err(AppError::Invalid(errors))
        }
        None => ops::create(&state, &cu.principal, &actor(&cu), &p.form).await.map_err(AppError::from),
    };
    match result {
        Ok(id) => Ok(done(&format!("/demands/{id}"), "已保存为草稿")),
        Err(AppError::Invalid(errors)) => {
            let layout = Layout::new(&state, &cu, "demands", None).await;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page_for(&cu, layout, p.form, errors)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The field error for a well-formed village code that is not in the database.
pub(super) async fn unknown_village(state: &AppState, region: &str) -> Result<Option<FieldError>, AppError> {
    match duijie_domain::RegionCode::parse(region) {
        Ok(r) if r.level() == duijie_domain::Level::Village && duijie_store::regions::village(&state.db, &r).await?.is_none() => {
            Ok(Some(FieldError::new("region", "没有这个村级区划代码；如本地村级区划尚未导入，请联系系统管理员导入")))
        }
        _ => Ok(None),
    }
}

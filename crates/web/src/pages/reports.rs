//! The half-year cycle's pages (调度): the reports an office takes part in
//! and the form that defines one, a report's overview (who has submitted,
//! who is late or returned, the rates, one-click reminders), and a unit's
//! report — its tables as they will be submitted, corrections with reasons,
//! the narrative, submit, the level above's approve/return, reopening — and
//! each table as .xlsx, and a grid table filled offline uploaded back.
//!
//! Guarantees: every handler only reads the request, calls
//! `duijie_app::reports` (which decides access: a unit outside the caller's
//! scope is 404) and renders; a refused form comes back with its errors in
//! Chinese and what was typed kept; a refused table file comes back on the
//! unit's page with every problem by row and column under its table.

use crate::auth::{CurrentUser, Posted, PostedUpload};
use crate::pages::designations::actor;
use crate::pages::{Layout, done, fmt_time};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_app::reports::{self as ops, CorrectionInput, DraftInput, Records, ReportInput, TableImport, UnitView};
use duijie_domain::report::{Body, Figures, ListField, Step, UnitStatus};
use duijie_domain::FieldError;
use duijie_domain::report::UnitKey;
use duijie_office::RowError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(list).post(create))
        .route("/reports/tables", get(tables_page).post(tables_upload))
        .route("/reports/{id}", get(overview))
        .route("/reports/{id}/remind", post(remind))
        .route("/reports/{id}/units/{code}", get(unit))
        .route("/reports/{id}/units/{code}/draft", post(save_narrative))
        .route("/reports/{id}/units/{code}/correct", post(correct))
        .route("/reports/{id}/units/{code}/step/{step}", post(step))
        .route("/reports/{id}/units/{code}/tables/{file}", get(download).post(upload))
}

#[derive(serde::Deserialize, Default)]
struct Toast {
    #[serde(default)]
    ok: Option<String>,
}

/// A report in the list.
struct ReportRow {
    /// The report's page, or for an organisation its own unit's.
    href: String,
    title: String,
    period: String,
    due_on: String,
    tables: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ReportRow>,
    is_org: bool,
    may_define: bool,
    tables: Vec<(String, String)>,
    form: ReportForm,
    errors: Vec<FieldError>,
}

impl ListPage {
    fn picked(&self, key: &str) -> bool {
        self.form.tables.split(',').any(|t| t == key)
    }

    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// The define form as posted (checkboxes arrive as repeated keys).
#[derive(serde::Deserialize, Default, Clone)]
struct ReportForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    period_from: String,
    #[serde(default)]
    period_to: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    prefecture: Option<String>,
    #[serde(default)]
    county: Option<String>,
    /// '' (no organisations), `orgs_registered` or `orgs_within`.
    #[serde(default)]
    orgs: String,
    #[serde(default)]
    tables: String,
}

async fn list_page(state: &AppState, cu: &CurrentUser, form: ReportForm, errors: Vec<FieldError>, toast: Option<String>) -> Result<ListPage, AppError> {
    let who = &cu.principal;
    let rows = ops::list(Records::of(state), who)
        .await?
        .into_iter()
        .map(|r| ReportRow {
            href: match who.org_id() {
                Some(org) => format!("/reports/{}/units/{}", r.id, UnitKey::Org(org)),
                None => format!("/reports/{}", r.id),
            },
            title: r.title.clone(),
            period: format!("{} 至 {}", r.period_from, r.period_to),
            due_on: r.due_on.clone(),
            tables: r.tables().unwrap_or_default().iter().map(|t| t.title_for(r.year())).collect::<Vec<_>>().join("、"),
        })
        .collect();
    let may_define = duijie_domain::authz::decide(who, duijie_domain::Action::DefineReport, duijie_domain::Target::Region(who.region())).is_allowed();
    let tables = ops::tables(Records::of(state)).await?.into_iter().map(|t| (t.key.clone(), format!("{}（{}）", t.title_for("××××"), t.source))).collect();
    Ok(ListPage { layout: Layout::new(state, cu, "reports", toast).await, rows, is_org: who.org_id().is_some(), may_define, tables, form, errors })
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<Response, AppError> {
    let form = ReportForm { prefecture: Some("on".into()), county: Some("on".into()), ..ReportForm::default() };
    Ok(list_page(&state, &cu, form, Vec::new(), t.ok).await?.into_response())
}

async fn create(State(state): State<AppState>, p: Posted<Vec<(String, String)>>) -> Result<Response, AppError> {
    let cu = p.user;
    let pairs = p.form;
    let one = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let tables: Vec<String> = pairs.iter().filter(|(k, _)| k == "table").map(|(_, v)| v.clone()).collect();
    let form = ReportForm {
        title: one("title"),
        period_from: one("period_from"),
        period_to: one("period_to"),
        due_on: one("due_on"),
        prefecture: pairs.iter().any(|(k, _)| k == "prefecture").then(|| "on".into()),
        county: pairs.iter().any(|(k, _)| k == "county").then(|| "on".into()),
        orgs: one("orgs"),
        tables: tables.join(","),
    };
    let mut levels = Vec::new();
    if form.prefecture.is_some() {
        levels.push("prefecture".to_string());
    }
    if form.county.is_some() {
        levels.push("county".to_string());
    }
    if !form.orgs.is_empty() {
        levels.push(form.orgs.clone());
    }
    let input = ReportInput { title: form.title.clone(), period_from: form.period_from.clone(), period_to: form.period_to.clone(), due_on: form.due_on.clone(), levels, tables };
    match ops::create(Records::of(&state), &cu.principal, &actor(&cu), &input).await.map_err(AppError::from) {
        Ok(id) => Ok(done(&format!("/reports/{id}"), "调度已发起，报送单位已收到通知")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, list_page(&state, &cu, form, errors, None).await?).into_response()),
        Err(e) => Err(e),
    }
}

/// A unit in a list.
struct UnitRow {
    code: String,
    name: String,
    status: &'static str,
    status_class: &'static str,
    round: i64,
    submitted: String,
    late: bool,
}

fn status_class(s: UnitStatus) -> &'static str {
    match s {
        UnitStatus::Pending => "tag-grey",
        UnitStatus::Submitted | UnitStatus::ReopenRequested => "tag-warn",
        UnitStatus::Returned => "tag-danger",
        UnitStatus::Approved => "tag-ok",
    }
}

fn unit_row(l: &ops::UnitLine) -> UnitRow {
    UnitRow {
        code: l.unit.unit_code.to_string(),
        name: l.name.clone(),
        status: l.unit.status.label(),
        status_class: status_class(l.unit.status),
        round: l.unit.round,
        submitted: l.unit.submitted_at.map(fmt_time).unwrap_or_else(|| "—".into()),
        late: l.late,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "report_overview.html")]
struct OverviewPage {
    layout: Layout,
    o: ops::Overview,
    units: Vec<UnitRow>,
    completeness: String,
    on_time: String,
}

fn percent(n: usize, of: usize) -> String {
    if of == 0 { "—".into() } else { format!("{:.1}%", n as f64 * 100.0 / of as f64) }
}

async fn overview(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<Response, AppError> {
    let o = ops::overview(Records::of(&state), &cu.principal, id).await?;
    let n = o.units.len();
    let page = OverviewPage {
        layout: Layout::new(&state, &cu, "reports", t.ok).await,
        units: o.units.iter().map(unit_row).collect(),
        completeness: percent(o.submitted, n),
        on_time: percent(o.on_time, n),
        o,
    };
    Ok(page.into_response())
}

async fn remind(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<Toast>) -> Result<Response, AppError> {
    let n = ops::remind_late(Records::of(&state), &p.user.principal, id).await?;
    Ok(done(&format!("/reports/{id}"), &if n == 0 { "没有需要催报的单位（今天已催报过的不再重复发送）".to_string() } else { format!("已向 {n} 个逾期单位发送催报提醒") }))
}

/// A header cell of a table on the page.
struct Th {
    text: String,
    rows: usize,
    cols: usize,
}

/// A grid row on the page.
struct GridRow {
    /// The group cell, on the first row of its run: (text, rows spanned).
    group: Option<(String, usize)>,
    /// Whether the row has no group (its label spans both label columns).
    alone: bool,
    label: String,
    cells: Vec<CellView>,
}

struct CellView {
    text: String,
    corrected: bool,
    note: String,
}

/// A table on the unit's page.
struct TableView {
    key: String,
    title: String,
    source: String,
    header: Vec<Vec<Th>>,
    grid: Vec<GridRow>,
    /// (row, column, label) of every figure, for the correction form.
    slots: Vec<(usize, usize, String)>,
    corrections: Vec<String>,
    list: Vec<Vec<String>>,
    list_total: usize,
}

const LIST_SHOWN: usize = 100;

fn wan_text(fen: i64) -> String {
    format!("{:.2}", fen as f64 / 1_000_000.0)
}

fn table_view(def: &duijie_domain::report::TableDef, figures: &Figures, year: &str) -> TableView {
    let mut header: Vec<Vec<Th>> = def.header.iter().map(|_| Vec::new()).collect();
    for (r, _, rows, cols, text) in def.header_cells() {
        header[r].push(Th { text: text.to_string(), rows, cols });
    }
    let mut view = TableView { key: def.key.clone(), title: def.title_for(year), source: def.source.clone(), header, grid: Vec::new(), slots: Vec::new(), corrections: Vec::new(), list: Vec::new(), list_total: 0 };
    match (&def.body, figures) {
        (Body::Grid { rows, columns, .. }, Figures::Grid { cells }) => {
            let column_names: Vec<String> = def.header_cells().into_iter().filter(|(r, c, rows, _, _)| r + rows == def.header.len() && *c >= 2).map(|(_, _, _, _, t)| t.to_string()).collect();
            let top: Vec<(usize, usize, &str)> = def.header_cells().into_iter().filter(|(r, ..)| *r == 0).map(|(_, c, _, cols, t)| (c, cols, t)).collect();
            let column_label = |ci: usize| {
                let c = ci + 2;
                let parent = top.iter().find(|(start, cols, _)| c >= *start && c < start + cols).map(|t| t.2).unwrap_or("");
                let own = column_names.get(ci).map(String::as_str).unwrap_or("");
                if parent == own || own.is_empty() { parent.to_string() } else { format!("{parent}·{own}") }
            };
            for (ri, row) in rows.iter().enumerate() {
                let first_of_run = ri == 0 || rows[ri - 1].group != row.group;
                let run = rows[ri..].iter().take_while(|x| x.group == row.group).count();
                let group = (!row.group.is_empty() && first_of_run).then(|| (row.group.clone(), run));
                let line = &cells[ri];
                let cells = line
                    .iter()
                    .zip(columns)
                    .enumerate()
                    .map(|(ci, (f, col))| {
                        let show = |v: i64| if col.measure.is_money() { wan_text(v) } else { v.to_string() };
                        if f.corrected.is_some() {
                            view.corrections.push(format!("{}·{}：系统统计 {}，改为 {}（{}）", row.label, column_label(ci), show(f.computed), show(f.value()), f.reason));
                        }
                        view.slots.push((ri, ci, format!("{} · {}", row.label, column_label(ci))));
                        CellView { text: show(f.value()), corrected: f.corrected.is_some(), note: if f.corrected.is_some() { format!("系统统计 {}；修改原因：{}", show(f.computed), f.reason) } else { String::new() } }
                    })
                    .collect();
                view.grid.push(GridRow { group, alone: row.group.is_empty(), label: row.label.clone(), cells });
            }
        }
        (Body::List { columns, .. }, Figures::List { lines }) => {
            view.list_total = lines.len();
            view.list = lines
                .iter()
                .take(LIST_SHOWN)
                .map(|f| {
                    columns
                        .iter()
                        .map(|c| match c.field {
                            ListField::OrgName => f.org_name.clone(),
                            ListField::Region => f.region_name.clone(),
                            ListField::Title => f.title.clone(),
                            ListField::Nature => f.nature.clone(),
                            ListField::Status => f.status.label().to_string(),
                            ListField::Funds => wan_text(f.funds_fen),
                            ListField::PlannedFunds => wan_text(f.planned_funds_fen),
                            ListField::People => f.people.to_string(),
                            ListField::Beneficiaries => f.beneficiaries.to_string(),
                            ListField::StartDate => f.start_date.clone(),
                            ListField::EndDate => f.end_date.clone(),
                            ListField::LastProgress => f.last_progress.clone(),
                        })
                        .collect()
                })
                .collect();
        }
        _ => {}
    }
    view
}

/// One step of the history on the page.
struct StepView {
    round: i64,
    what: &'static str,
    reason: String,
    by: String,
    at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_unit.html")]
struct UnitPage {
    layout: Layout,
    v: UnitView,
    code: String,
    top: bool,
    /// The caller is an organisation: its crumbs lead to its own reports, not the report's overview.
    for_org: bool,
    tables: Vec<TableView>,
    below: Vec<UnitRow>,
    steps: Vec<StepView>,
    status_class: &'static str,
    narrative: NarrativeForm,
    errors: Vec<FieldError>,
    /// A refused table file, shown under its table.
    upload: Option<UploadView>,
}

/// Why an uploaded table file was refused.
struct UploadView {
    key: String,
    file_name: String,
    /// The file as a whole (unreadable, not chosen).
    message: String,
    errors: Vec<RowError>,
    more: usize,
}

impl UnitPage {
    fn upload_for(&self, key: &str) -> Option<&UploadView> {
        self.upload.as_ref().filter(|u| u.key == key)
    }

    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field || e.field.ends_with(&format!(".{field}"))).map(|e| e.message.as_str())
    }

    fn status_is(&self, s: &str) -> bool {
        self.v.unit.status.as_str() == s
    }
}

async fn unit_page(state: &AppState, cu: &CurrentUser, id: i64, code: &UnitKey, narrative: Option<NarrativeForm>, errors: Vec<FieldError>, toast: Option<String>) -> Result<UnitPage, AppError> {
    let v = ops::unit_view(Records::of(state), &cu.principal, id, code).await?;
    let year = v.report.year().to_string();
    Ok(UnitPage {
        layout: Layout::new(state, cu, "reports", toast).await,
        code: code.to_string(),
        for_org: cu.principal.org_id().is_some(),
        top: code.region() == Some(&v.report.collector_code),
        tables: v.tables.iter().map(|(d, f)| table_view(d, f, &year)).collect(),
        below: v.below.iter().map(unit_row).collect(),
        steps: v.steps.iter().map(|s| StepView { round: s.round, what: s.step.label(), reason: s.reason.clone(), by: s.actor.clone(), at: fmt_time(s.at) }).collect(),
        status_class: status_class(v.unit.status),
        narrative: narrative.unwrap_or_else(|| NarrativeForm { progress: v.narrative.progress.clone(), difficulties: v.narrative.difficulties.clone(), experience: v.narrative.experience.clone() }),
        errors,
        upload: None,
        v,
    })
}

fn code_of(text: &str) -> Result<UnitKey, AppError> {
    UnitKey::parse(text).ok_or_else(|| AppError::from(duijie_app::Error::NotFound))
}

async fn unit(State(state): State<AppState>, cu: CurrentUser, Path((id, code)): Path<(i64, String)>, Query(t): Query<Toast>) -> Result<Response, AppError> {
    Ok(unit_page(&state, &cu, id, &code_of(&code)?, None, Vec::new(), t.ok).await?.into_response())
}

#[derive(serde::Deserialize, Default, Clone)]
struct NarrativeForm {
    #[serde(default)]
    progress: String,
    #[serde(default)]
    difficulties: String,
    #[serde(default)]
    experience: String,
}

/// Re-renders the unit's page with `errors` (a refusal of the whole form under `form`).
async fn refused(state: &AppState, cu: &CurrentUser, id: i64, code: &UnitKey, narrative: Option<NarrativeForm>, e: AppError) -> Result<Response, AppError> {
    let (status, errors) = match e {
        AppError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        e @ (AppError::BadRequest(..) | AppError::Conflict(_) | AppError::Changed { .. }) => (StatusCode::CONFLICT, vec![FieldError::new("form", e.message())]),
        e => return Err(e),
    };
    Ok((status, unit_page(state, cu, id, code, narrative, errors, None).await?).into_response())
}

async fn save_narrative(State(state): State<AppState>, Path((id, code)): Path<(i64, String)>, p: Posted<NarrativeForm>) -> Result<Response, AppError> {
    let (cu, form) = (p.user, p.form);
    let code = code_of(&code)?;
    let input = DraftInput { progress: Some(form.progress.clone()), difficulties: Some(form.difficulties.clone()), experience: Some(form.experience.clone()), corrections: Vec::new() };
    match ops::save_draft(Records::of(&state), &cu.principal, &actor(&cu), id, &code, &input).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/reports/{id}/units/{code}"), "已保存")),
        Err(e) => refused(&state, &cu, id, &code, Some(form), e).await,
    }
}

#[derive(serde::Deserialize, Default)]
struct CorrectForm {
    #[serde(default)]
    table: String,
    /// `row:column`.
    #[serde(default)]
    cell: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
}

async fn correct(State(state): State<AppState>, Path((id, code)): Path<(i64, String)>, p: Posted<CorrectForm>) -> Result<Response, AppError> {
    let (cu, form) = (p.user, p.form);
    let code = code_of(&code)?;
    let Some((row, column)) = form.cell.split_once(':').and_then(|(r, c)| Some((r.parse().ok()?, c.parse().ok()?))) else {
        return refused(&state, &cu, id, &code, None, AppError::Invalid(vec![FieldError::new("cell", "请选择要修改的数字")])).await;
    };
    // No narrative given: the saved one stays.
    let input = DraftInput { corrections: vec![CorrectionInput { table: form.table, row, column, value: form.value, reason: form.reason }], ..DraftInput::default() };
    match ops::save_draft(Records::of(&state), &cu.principal, &actor(&cu), id, &code, &input).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/reports/{id}/units/{code}"), "统计数字已修改，原统计数和修改原因已保留")),
        Err(e) => refused(&state, &cu, id, &code, None, e).await,
    }
}

#[derive(serde::Deserialize, Default)]
struct StepForm {
    #[serde(default)]
    reason: String,
}

async fn step(State(state): State<AppState>, Path((id, code, step)): Path<(i64, String, String)>, p: Posted<StepForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let code = code_of(&code)?;
    let step = Step::parse(&step).ok_or(duijie_app::Error::NotFound)?;
    match ops::act(Records::of(&state), &cu.principal, &actor(&cu), id, &code, step, &p.form.reason).await.map_err(AppError::from) {
        Ok(_) => Ok(done(&format!("/reports/{id}/units/{code}"), &format!("已{}", step.label()))),
        Err(e) => refused(&state, &cu, id, &code, None, e).await,
    }
}

#[derive(serde::Deserialize, Default)]
struct DownloadQuery {
    #[serde(default)]
    draft: Option<String>,
}

async fn download(State(state): State<AppState>, cu: CurrentUser, Path((id, code, file)): Path<(i64, String, String)>, Query(q): Query<DownloadQuery>) -> Result<Response, AppError> {
    let key = file.strip_suffix(".xlsx").unwrap_or(&file);
    let (name, bytes) = ops::export(Records::of(&state), &cu.principal, id, &code_of(&code)?, key, q.draft.is_some(), &state.config.public_url).await?;
    Ok(crate::xlsx_download(&name, bytes))
}

/// A grid table downloaded, filled offline and uploaded back (multipart, field `file`).
async fn upload(State(state): State<AppState>, Path((id, code, file)): Path<(i64, String, String)>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let code = code_of(&code)?;
    let key = file.strip_suffix(".xlsx").unwrap_or(&file).to_string();
    let mut shown = UploadView { key: key.clone(), file_name: String::new(), message: String::new(), errors: Vec::new(), more: 0 };
    let outcome = match form.named_file() {
        None => Err(AppError::Invalid(vec![FieldError::new("file", "请选择离线填好的统计表（.xlsx）")])),
        Some((name, bytes)) => {
            shown.file_name = duijie_app::files::clean_file_name(name);
            let limits = state.config.import_limits.projects();
            ops::import_table(Records::of(&state), &cu.principal, &actor(&cu), id, &code, &key, name, bytes, &limits).await.map_err(AppError::from)
        }
    };
    match outcome {
        Ok(TableImport::Saved { corrected: 0, restored: 0 }) => Ok(done(&format!("/reports/{id}/units/{code}"), "上传的表格与当前报表的数字相同，没有修改")),
        Ok(TableImport::Saved { corrected, restored }) => {
            let said: Vec<String> = [(corrected, "修改 {} 个数字"), (restored, "{} 个数字恢复为系统统计数")].into_iter().filter(|(n, _)| *n > 0).map(|(n, f)| f.replace("{}", &n.to_string())).collect();
            Ok(done(&format!("/reports/{id}/units/{code}"), &format!("已按上传的表格{}；系统统计数和修改原因已保留", said.join("，"))))
        }
        Ok(TableImport::Refused { errors, more }) => {
            shown.errors = errors;
            shown.more = more;
            upload_refused(&state, &cu, id, &code, shown).await
        }
        Err(AppError::Invalid(fields)) => {
            shown.message = fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；");
            upload_refused(&state, &cu, id, &code, shown).await
        }
        Err(e) => refused(&state, &cu, id, &code, None, e).await,
    }
}

/// The unit's page (422) with the refused file's problems under its table.
async fn upload_refused(state: &AppState, cu: &CurrentUser, id: i64, code: &UnitKey, shown: UploadView) -> Result<Response, AppError> {
    let mut page = unit_page(state, cu, id, code, None, Vec::new(), None).await?;
    page.upload = Some(shown);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// A table style in the administrator's list.
struct StyleRow {
    key: String,
    title: String,
    source: String,
    shipped: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_tables.html")]
struct TablesPage {
    layout: Layout,
    rows: Vec<StyleRow>,
    may_upload: bool,
    error: Option<String>,
}

async fn tables_view(state: &AppState, cu: &CurrentUser, error: Option<String>, toast: Option<String>) -> Result<TablesPage, AppError> {
    let shipped: Vec<String> = ops::shipped_tables().into_iter().map(|t| t.key).collect();
    let rows = ops::tables(Records::of(state)).await?.into_iter().map(|t| StyleRow { shipped: shipped.contains(&t.key), key: t.key, title: t.title, source: t.source }).collect();
    let may_upload = duijie_domain::authz::decide(&cu.principal, duijie_domain::Action::ManageReportTables, duijie_domain::Target::Region(cu.principal.region())).is_allowed();
    Ok(TablesPage { layout: Layout::new(state, cu, "reports", toast).await, rows, may_upload, error })
}

async fn tables_page(State(state): State<AppState>, cu: CurrentUser, Query(t): Query<Toast>) -> Result<Response, AppError> {
    Ok(tables_view(&state, &cu, None, t.ok).await?.into_response())
}

async fn tables_upload(State(state): State<AppState>, PostedUpload { user: cu, form }: PostedUpload) -> Result<Response, AppError> {
    let Some((_, bytes)) = form.chosen_file() else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, tables_view(&state, &cu, Some("请选择样式文件（.json）".into()), None).await?).into_response());
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, tables_view(&state, &cu, Some("样式文件应为 UTF-8 编码的 JSON 文本".into()), None).await?).into_response());
    };
    match ops::upload_table(Records::of(&state), &cu.principal, &actor(&cu), text).await.map_err(AppError::from) {
        Ok(def) => Ok(done("/reports/tables", &format!("已添加样式“{}”", def.title))),
        Err(e @ AppError::Invalid(_)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, tables_view(&state, &cu, Some(e.message()), None).await?).into_response()),
        Err(e) => Err(e),
    }
}

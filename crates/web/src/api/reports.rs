//! The half-year cycle (调度) over the API: the reports the caller takes part
//! in, defining one, a unit's report with its figures, saving the narrative
//! and corrections, the steps (submit, approve, return, reopen), reminding
//! late units, a table as .xlsx, and a grid table filled offline uploaded
//! back.
//!
//! Guarantees: handlers only read the request, call `duijie_app::reports`
//! (access decided there: a unit outside the caller's scope is 404) and
//! render; a refused table file is a 422 listing every problem by row and
//! column, with nothing written. Money is given as 万元 text with two decimals, beside its exact
//! fen.

use super::{ApiJson, ApiUpload, Created, Path, Query};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use duijie_app::reports::{self as ops, DraftInput, Records, ReportInput, TableImport, UnitLine};
use duijie_domain::report::UnitKey;
use duijie_domain::report::{Body, Figures, Step};
use duijie_store::reports::{Report, Unit};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports, create_report))
        .routes(routes!(list_tables, upload_table))
        .routes(routes!(get_report))
        .routes(routes!(remind_late))
        .routes(routes!(get_unit, save_unit))
        .routes(routes!(unit_step))
        .routes(routes!(export_table, import_table))
}

/// 一次调度（报表）。
#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    pub id: i64,
    pub title: String,
    /// 组织调度的部门所在地区。
    pub collector_code: String,
    pub period_from: String,
    pub period_to: String,
    pub due_on: String,
    /// 报送层级：prefecture、county。
    pub levels: Vec<String>,
    /// 包含的统计表（key 与标题）。
    pub tables: Vec<TableRef>,
    pub created_by: String,
    pub created_at: i64,
}

/// 一张统计表的 key 与标题。
#[derive(Serialize, ToSchema)]
pub struct TableRef {
    pub key: String,
    pub title: String,
}

fn report_dto(r: &Report) -> ReportDto {
    ReportDto {
        id: r.id,
        title: r.title.clone(),
        collector_code: r.collector_code.to_string(),
        period_from: r.period_from.clone(),
        period_to: r.period_to.clone(),
        due_on: r.due_on.clone(),
        levels: r.levels().iter().map(|l| l.as_str().to_string()).collect(),
        tables: r.tables().unwrap_or_default().into_iter().map(|t| TableRef { title: t.title_for(r.year()), key: t.key }).collect(),
        created_by: r.created_by.clone(),
        created_at: r.created_at,
    }
}

/// 调用者参与的调度（本级组织的、上级组织而本单位需报送的），新的在前。
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses((status = 200, body = Vec<ReportDto>), (status = 401, body = ErrorBody)))]
pub async fn list_reports(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<ReportDto>>, ApiError> {
    Ok(Json(ops::list(Records::of(&state), &user.principal).await?.iter().map(report_dto).collect()))
}

/// 发起一次调度（省级民政或乡村振兴部门）：名称、统计期、报送截止日期、报送单位（层级和/或社会组织）和统计表；所选层级的每个地区、所选的每个社会组织成为报送单位并收到通知。
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = ReportInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_report(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<ReportInput>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = ops::create(Records::of(&state), &user.principal, &user.actor(), &body).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 报送单位的状态。
#[derive(Serialize, ToSchema)]
pub struct UnitStatusDto {
    pub unit_code: String,
    pub unit_name: String,
    /// 审核单位（上一级）。
    pub reviewer_code: String,
    /// pending（未报送）、submitted（待审核）、returned（已退回）、approved（已通过）、reopen_requested（申请重新打开）。
    pub status: String,
    pub status_label: String,
    /// 报送次数。
    pub round: i64,
    pub first_submitted_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub approved_at: Option<i64>,
    /// 已过截止日期仍未报送。
    pub late: bool,
}

fn unit_status(u: &Unit, name: &str, late: bool) -> UnitStatusDto {
    UnitStatusDto {
        unit_code: u.unit_code.to_string(),
        unit_name: name.to_string(),
        reviewer_code: u.reviewer_code.to_string(),
        status: u.status.as_str().into(),
        status_label: u.status.label().into(),
        round: u.round,
        first_submitted_at: u.first_submitted_at,
        submitted_at: u.submitted_at,
        approved_at: u.approved_at,
        late,
    }
}

fn line(l: &UnitLine) -> UnitStatusDto {
    unit_status(&l.unit, &l.name, l.late)
}

/// 一个统计表样式。
#[derive(Serialize, ToSchema)]
pub struct TableStyleDto {
    pub key: String,
    /// 标题（{year} 为统计期所在年份）。
    pub title: String,
    /// 样式来源（文件文号及附件）。
    pub source: String,
    /// grid（统计表）或 list（明细表）。
    pub kind: String,
    /// 平台自带的样式不能被上传的样式替换。
    pub shipped: bool,
}

/// 可用的统计表样式：平台自带的（江苏附件1、附件2，吉林附件4、附件5，云南半年汇总表）和管理员上传的。
#[utoipa::path(get, path = "/api/v1/reports/tables", tag = "reports",
    responses((status = 200, body = Vec<TableStyleDto>), (status = 401, body = ErrorBody)))]
pub async fn list_tables(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<TableStyleDto>>, ApiError> {
    let shipped: Vec<String> = ops::shipped_tables().into_iter().map(|t| t.key).collect();
    Ok(Json(
        ops::tables(Records::of(&state))
            .await?
            .into_iter()
            .map(|t| TableStyleDto {
                shipped: shipped.contains(&t.key),
                kind: match t.body { Body::Grid { .. } => "grid".into(), Body::List { .. } => "list".into() },
                key: t.key,
                title: t.title,
                source: t.source,
            })
            .collect(),
    ))
}

/// 上传一个省的统计表样式（省级及以上系统管理员）：请求体即样式文件（JSON，格式见 docs/report-tables.md）；格式有误时 422 说明哪一行哪一列。
#[utoipa::path(post, path = "/api/v1/reports/tables", tag = "reports", request_body = Object,
    responses((status = 201, body = TableRef), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_table(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<serde_json::Value>) -> Result<(StatusCode, Json<TableRef>), ApiError> {
    let json = serde_json::to_string_pretty(&body).unwrap_or_default();
    let def = ops::upload_table(Records::of(&state), &user.principal, &user.actor(), &json).await?;
    Ok((StatusCode::CREATED, Json(TableRef { key: def.key, title: def.title })))
}

/// 一次调度的报送情况。
#[derive(Serialize, ToSchema)]
pub struct ReportOverviewDto {
    pub report: ReportDto,
    /// 调用者可见的报送单位（本单位及下级）。
    pub units: Vec<UnitStatusDto>,
    /// 已报送过的单位数、已审核通过数、被退回数、逾期未报数、按时报送数。
    pub submitted: usize,
    pub approved: usize,
    pub returned: usize,
    pub late: usize,
    pub on_time: usize,
    /// 报送率、按时报送率（百分比，一位小数）。
    pub completeness_percent: f64,
    pub on_time_percent: f64,
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { (n as f64 * 1000.0 / of as f64).round() / 10.0 }
}

/// 调度详情与报送情况（谁已报送、谁逾期、谁被退回，报送率和按时报送率）。
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", params(("id" = i64, Path, description = "调度编号")),
    responses((status = 200, body = ReportOverviewDto), (status = 404, body = ErrorBody)))]
pub async fn get_report(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<ReportOverviewDto>, ApiError> {
    let o = ops::overview(Records::of(&state), &user.principal, id).await?;
    let n = o.units.len();
    Ok(Json(ReportOverviewDto {
        report: report_dto(&o.report),
        units: o.units.iter().map(line).collect(),
        completeness_percent: percent(o.submitted, n),
        on_time_percent: percent(o.on_time, n),
        submitted: o.submitted,
        approved: o.approved,
        returned: o.returned,
        late: o.late,
        on_time: o.on_time,
    }))
}

/// 催报结果。
#[derive(Serialize, ToSchema)]
pub struct Reminded {
    /// 收到提醒的逾期单位数（同一天重复催报不重复发送）。
    pub reminded: usize,
}

/// 一键催报：向所有逾期未报（含被退回未重报）的单位发送提醒（组织调度的部门）。
#[utoipa::path(post, path = "/api/v1/reports/{id}/remind", tag = "reports", params(("id" = i64, Path, description = "调度编号")),
    responses((status = 200, body = Reminded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remind_late(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<Reminded>, ApiError> {
    Ok(Json(Reminded { reminded: ops::remind_late(Records::of(&state), &user.principal, id).await? }))
}

/// 统计表中的一个数。
#[derive(Serialize, ToSchema)]
pub struct FigureDto {
    /// 平台按记录统计的数（金额为分）。
    pub computed: i64,
    /// 单位修改后的数（金额为分），未修改为空。
    pub corrected: Option<i64>,
    /// 报表采用的数，金额为“万元”两位小数，其余为整数。
    pub value: String,
    pub reason: String,
}

/// 一张表的数字。
#[derive(Serialize, ToSchema)]
pub struct TableFiguresDto {
    pub key: String,
    pub title: String,
    /// grid（统计表）或 list（明细表）。
    pub kind: String,
    /// 统计表各行的名称。
    pub rows: Vec<String>,
    /// 统计表：cells[行][列]。
    pub cells: Vec<Vec<FigureDto>>,
    /// 明细表：每个项目一行（项目编号）。
    pub project_ids: Vec<i64>,
}

/// 一个单位的报表。
#[derive(Serialize, ToSchema)]
pub struct UnitReportDto {
    pub report: ReportDto,
    pub unit: UnitStatusDto,
    pub reviewer_name: String,
    /// 为 true 时为按记录预填的数字（尚未报送）；否则为报送时的数字。
    pub draft: bool,
    pub progress: String,
    pub difficulties: String,
    pub experience: String,
    pub tables: Vec<TableFiguresDto>,
    /// 本单位审核的下级单位。
    pub below: Vec<UnitStatusDto>,
    /// 每一轮的每一步。
    pub steps: Vec<StepDto>,
    pub may_fill: bool,
    pub may_review: bool,
}

/// 一步操作。
#[derive(Serialize, ToSchema)]
pub struct StepDto {
    pub round: i64,
    /// submit、approve、return、request_reopen、grant_reopen、refuse_reopen。
    pub step: String,
    pub step_label: String,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

fn unit_code(text: &str) -> Result<UnitKey, ApiError> {
    UnitKey::parse(text).ok_or_else(|| ApiError::from(duijie_app::Error::NotFound))
}

/// 一个单位的报表：状态、各表数字（预填或报送时的）、文字部分、下级单位和每一轮的操作；不在调用者范围内为 404。`region` 为组织调度的地区时为汇总数（下级已通过的数加本级记录）。
#[utoipa::path(get, path = "/api/v1/reports/{id}/units/{region}", tag = "reports",
    params(("id" = i64, Path, description = "调度编号"), ("region" = String, Path, description = "报送单位：地区的区划代码，或社会组织的 org-编号")),
    responses((status = 200, body = UnitReportDto), (status = 404, body = ErrorBody)))]
pub async fn get_unit(State(state): State<AppState>, user: ApiUser, Path((id, region)): Path<(i64, String)>) -> Result<Json<UnitReportDto>, ApiError> {
    let v = ops::unit_view(Records::of(&state), &user.principal, id, &unit_code(&region)?).await?;
    let tables = v
        .tables
        .iter()
        .map(|(def, figures)| {
            let (rows, money): (Vec<String>, Vec<bool>) = match &def.body {
                Body::Grid { rows, columns, .. } => (rows.iter().map(|r| if r.group.is_empty() { r.label.clone() } else { format!("{}·{}", r.group, r.label) }).collect(), columns.iter().map(|c| c.measure.is_money()).collect()),
                Body::List { .. } => (Vec::new(), Vec::new()),
            };
            let (cells, project_ids) = match figures {
                Figures::Grid { cells } => (
                    cells
                        .iter()
                        .map(|line| {
                            line.iter()
                                .zip(&money)
                                .map(|(f, &m)| FigureDto { computed: f.computed, corrected: f.corrected, value: if m { format!("{:.2}", f.value() as f64 / 1_000_000.0) } else { f.value().to_string() }, reason: f.reason.clone() })
                                .collect()
                        })
                        .collect(),
                    Vec::new(),
                ),
                Figures::List { lines } => (Vec::new(), lines.iter().map(|l| l.project_id).collect()),
            };
            TableFiguresDto { key: def.key.clone(), title: def.title_for(v.report.year()), kind: if rows.is_empty() { "list".into() } else { "grid".into() }, rows, cells, project_ids }
        })
        .collect();
    Ok(Json(UnitReportDto {
        report: report_dto(&v.report),
        unit: unit_status(&v.unit, &v.unit_name, false),
        reviewer_name: v.reviewer_name.clone(),
        draft: v.draft,
        progress: v.narrative.progress.clone(),
        difficulties: v.narrative.difficulties.clone(),
        experience: v.narrative.experience.clone(),
        tables,
        below: v.below.iter().map(line).collect(),
        steps: v.steps.iter().map(|s| StepDto { round: s.round, step: s.step.as_str().into(), step_label: s.step.label().into(), reason: s.reason.clone(), actor: s.actor.clone(), at: s.at }).collect(),
        may_fill: v.may_fill,
        may_review: v.may_review,
    }))
}

/// 保存本单位的文字部分（工作进展、困难问题、经验做法）和对统计数字的修改（每个修改须写明原因，原统计数保留）；仅未报送或被退回时可改。
#[utoipa::path(put, path = "/api/v1/reports/{id}/units/{region}", tag = "reports", request_body = DraftInput,
    params(("id" = i64, Path, description = "调度编号"), ("region" = String, Path, description = "报送单位：地区的区划代码，或社会组织的 org-编号")),
    responses((status = 200, body = UnitStatusDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_unit(State(state): State<AppState>, user: ApiUser, Path((id, region)): Path<(i64, String)>, ApiJson(body): ApiJson<DraftInput>) -> Result<Json<UnitStatusDto>, ApiError> {
    let code = unit_code(&region)?;
    let u = ops::save_draft(Records::of(&state), &user.principal, &user.actor(), id, &code, &body).await?;
    Ok(Json(unit_status(&u, "", false)))
}

/// 一步操作的请求。
#[derive(Deserialize, ToSchema)]
pub struct StepRequest {
    /// 原因：退回、申请重新打开、不同意重新打开时必填。
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize, IntoParams)]
pub struct StepPath {
    /// 调度编号。
    pub id: i64,
    /// 报送单位的区划代码。
    pub region: String,
    /// submit（报送，本单位）、approve（审核通过）、return（退回，须写原因）、request_reopen（申请重新打开已通过的报表，本单位，须写原因）、grant_reopen、refuse_reopen（上一级）。
    pub step: String,
}

/// 报送、审核通过、退回、申请重新打开、同意或不同意重新打开。状态不允许时返回 409（两个审核同时到达时只有一个生效）。
#[utoipa::path(post, path = "/api/v1/reports/{id}/units/{region}/{step}", tag = "reports", params(StepPath), request_body = StepRequest,
    responses((status = 200, body = UnitStatusDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unit_step(State(state): State<AppState>, user: ApiUser, Path(p): Path<StepPath>, ApiJson(body): ApiJson<StepRequest>) -> Result<Json<UnitStatusDto>, ApiError> {
    let step = Step::parse(&p.step).ok_or(duijie_app::Error::NotFound)?;
    let code = unit_code(&p.region)?;
    let u = ops::act(Records::of(&state), &user.principal, &user.actor(), p.id, &code, step, &body.reason).await?;
    Ok(Json(unit_status(&u, "", false)))
}

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// 为 true 时导出按记录预填的数字（草稿）；默认导出报送（审核）时的数字。
    pub draft: Option<bool>,
}

/// 导出一张统计表（.xlsx，官方格式：合并表头、万元两位小数、A4 横向）。
#[utoipa::path(get, path = "/api/v1/reports/{id}/units/{region}/tables/{key}", tag = "reports",
    params(("id" = i64, Path, description = "调度编号"), ("region" = String, Path, description = "报送单位：地区的区划代码，或社会组织的 org-编号"), ("key" = String, Path, description = "统计表样式的 key"), ExportParams),
    responses((status = 200, description = "Excel 文件", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_table(State(state): State<AppState>, user: ApiUser, Path((id, region, key)): Path<(i64, String, String)>, Query(q): Query<ExportParams>) -> Result<Response, ApiError> {
    let (name, bytes) = ops::export(Records::of(&state), &user.principal, id, &unit_code(&region)?, &key, q.draft.unwrap_or(false), &state.config.public_url).await?;
    Ok(crate::xlsx_download(&name, bytes))
}

// Describes the multipart body for the OpenAPI document; the handler reads the parts itself.
/// 上传的统计表。
#[derive(ToSchema)]
pub struct ReportTableUpload {
    /// 从本报表下载（`?draft=true`）后离线填好的统计表（.xlsx），标题、表头和各行名称不变。
    #[schema(value_type = String, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

/// 上传的统计表已读取并保存。
#[derive(Serialize, ToSchema)]
pub struct ReportTableImported {
    /// 按文件修改的数字个数（修改原因为“线下填报上传（文件名）”，系统统计数保留）。
    pub corrected: usize,
    /// 文件中与系统统计数相同、因而撤销了原有修改的数字个数。
    pub restored: usize,
}

/// 上传离线填好的统计表（仅统计表，不含明细表）：本单位下载本表（`GET …?draft=true`）、在 Excel 或 WPS 中修改数字后上传（multipart，字段 `file`）。
///
/// 版式须与下载的一致（标题含统计年份、表头、各行名称），否则 422 并说明哪里不同。每一格都检查：个数、人数为 0 到 100000000 的整数；金额以万元计、不为负、最多两位小数；空格不接受（没有请填 0）。
/// 有任何问题时不修改任何数字，返回 422，`errors` 按行（Excel 行号）和列（表头）列出每一处。
/// 全部无误时，与系统统计数不同的数字记为本单位的修改（原因为“线下填报上传（文件名）”，系统统计数保留），与系统统计数相同的撤销原有修改，与原有修改相同的保留原修改；与“保存修改”同样合并保存。
/// 仅未报送或被退回时可上传（否则 409）；不在调用者范围内为 404。
#[utoipa::path(put, path = "/api/v1/reports/{id}/units/{region}/tables/{key}", tag = "reports",
    params(("id" = i64, Path, description = "调度编号"), ("region" = String, Path, description = "报送单位的区划代码"), ("key" = String, Path, description = "统计表样式的 key")),
    request_body(content = inline(ReportTableUpload), content_type = "multipart/form-data"),
    responses((status = 200, body = ReportTableImported), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, description = "请求体须为 multipart/form-data，文件放在字段 file 中", body = ErrorBody),
        (status = 422, description = "表格与本表版式不同或有错误的格（`errors` 逐格列出），或文件无法读取（`fields` 中的 file）；没有修改任何数字", body = super::sheet::SheetRefusal)))]
pub async fn import_table(State(state): State<AppState>, user: ApiUser, Path((id, region, key)): Path<(i64, String, String)>, ApiUpload(form): ApiUpload) -> Result<Response, ApiError> {
    let code = unit_code(&region)?;
    let Some((name, bytes)) = form.named_file() else {
        return Ok(super::sheet::no_file("请在字段 file 中上传离线填好的统计表（.xlsx）"));
    };
    let limits = state.config.import_limits.projects();
    match ops::import_table(Records::of(&state), &user.principal, &user.actor(), id, &code, &key, name, bytes, &limits).await {
        Ok(TableImport::Saved { corrected, restored }) => Ok(Json(ReportTableImported { corrected, restored }).into_response()),
        Ok(TableImport::Refused { errors, more }) => {
            Ok(super::sheet::cells(format!("统计表中有 {} 处问题，没有修改任何数字；请按 errors 逐格修改后重新上传", errors.len() + more), errors, more))
        }
        Err(e) => super::sheet::failed(e),
    }
}

//! The demand library (需求项目库), the supply library (供给项目库), matching
//! (接单 / 点单) and the success rate over the API, plus the public lists of both
//! libraries that need no token.
//!
//! Guarantees: every handler goes through the operations the pages use
//! (`crate::demand`), so authorisation, validation and auditing are the same as
//! on the pages; a demand outside the caller's scope answers 404; lists and
//! public answers never carry a household's personal data — it appears masked
//! in a demand's detail for officers (organisations get a marker only) and in
//! full only from `POST /api/v1/demands/{id}/household`, which is audited;
//! organisations see their own matches and their own recommendation only;
//! problems with what was sent answer 422 with `fields` naming the field in
//! Chinese. The routes under `/api/v1/public` take no `ApiUser` and are marked
//! `security(())` in the OpenAPI description.

use super::ApiJson;
use super::pairing::Created;
use crate::AppState;
use super::EventDto;
use crate::auth::ApiUser;
use crate::demand::{self as ops, DemandInput, MatchInput, OfferInput};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::format::wan_or_empty;
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Datelike;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::demand::{Status, Step};
use duijie_domain::matching::Score;
use duijie_domain::{Level, Principal, RegionCode, Role, Scope};
use duijie_store::demand::catalog::{LONG_UNMATCHED_DAYS, Rate, SuccessRate};
use duijie_store::demand::matching::{self, Match, Project};
use duijie_store::demand::supply::{self, Offer};
use duijie_store::demand::{self, Demand, Filter};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_demands, create_demand))
        .routes(routes!(get_demand))
        .routes(routes!(demand_step))
        .routes(routes!(household_full))
        .routes(routes!(demand_recommendations))
        .routes(routes!(recommended_demands))
        .routes(routes!(take))
        .routes(routes!(order))
        .routes(routes!(match_decision))
        .routes(routes!(list_offers, create_offer))
        .routes(routes!(get_offer))
        .routes(routes!(offer_status))
        .routes(routes!(matching_stats))
        .routes(routes!(public_demands))
        .routes(routes!(public_demand))
        .routes(routes!(public_offers))
}

/// Reads a body into one of the operations' input types (all text), taking
/// numbers and booleans as their text, except the keys in `keep` (typed fields).
fn lenient<T: DeserializeOwned>(v: Value, keep: &[&str]) -> Result<T, ApiError> {
    let v = match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| match v {
                    Value::Number(n) if !keep.contains(&k.as_str()) => (k, Value::String(n.to_string())),
                    Value::Bool(b) if !keep.contains(&k.as_str()) => (k, Value::String(b.to_string())),
                    other => (k, other),
                })
                .collect(),
        ),
        other => other,
    };
    serde_json::from_value(v).map_err(|e| AppError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, format!("请求体字段类型不正确：{e}")).into())
}

/// Full names of regions, villages (not in the in-memory tree) looked up once each.
#[derive(Default)]
struct Names(HashMap<String, String>);

impl Names {
    async fn full(&mut self, state: &AppState, code: &str) -> String {
        if let Some(n) = self.0.get(code) {
            return n.clone();
        }
        let name = match RegionCode::parse(code) {
            Ok(c) if c.level() == Level::Village => {
                let township = c.parent().map(|p| state.tree.full_name(&p)).unwrap_or_default();
                match duijie_store::regions::village(&state.db, &c).await {
                    Ok(Some(v)) => format!("{township}{}", v.name),
                    _ => township,
                }
            }
            Ok(c) => state.tree.full_name(&c),
            Err(_) => String::new(),
        };
        self.0.insert(code.to_string(), name.clone());
        name
    }

    /// The short name (洛泽河镇), for breakdowns by child region.
    async fn short(&mut self, state: &AppState, code: &str) -> String {
        match RegionCode::parse(code) {
            Ok(c) if c.level() == Level::Village => match duijie_store::regions::village(&state.db, &c).await {
                Ok(Some(v)) => v.name,
                _ => String::new(),
            },
            Ok(c) => state.tree.get(&c).map(|n| n.name.clone()).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }
}

fn parse_step(s: &str) -> Result<Step, AppError> {
    match s.trim() {
        "submit" => Ok(Step::Submit),
        "approve" => Ok(Step::Approve),
        "return" => Ok(Step::Return),
        "start" => Ok(Step::Start),
        "finish" => Ok(Step::Finish),
        "withdraw" => Ok(Step::Withdraw),
        "take" => Err(AppError::field("step", "承接需求请用 POST /api/v1/demands/{id}/take，并由县级确认")),
        other => Err(AppError::field("step", format!("无法识别的操作“{other}”，应为 submit、approve、return、start、finish 或 withdraw"))),
    }
}

fn page_of(page: Option<i64>, per_page: Option<i64>) -> (i64, i64) {
    let per_page = per_page.unwrap_or(20).clamp(1, 200);
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    (per_page, (page - 1) * per_page)
}

// ---------------------------------------------------------------- demands

/// 需求项目（不含帮扶户个人信息）。
#[derive(Serialize, ToSchema)]
pub struct DemandDto {
    pub id: i64,
    /// 需求名称。
    pub title: String,
    /// 需求说明。
    pub description: String,
    /// 帮扶领域，例如“教育”。
    pub field: String,
    /// 需求对象：county、township、village、household。
    pub target_kind: String,
    /// 需求对象的中文名：县、乡镇、村、户。
    pub target_label: String,
    /// 需求所在地区的区划代码（县 6 位、乡镇 9 位、村 12 位）。
    pub region_code: String,
    /// 需求所在地区全称。
    pub region_name: String,
    /// 所在县的代码。
    pub county_code: String,
    /// 受益群体，以“、”分隔。
    pub beneficiary_group: String,
    /// 受益人数。
    pub beneficiary_count: i64,
    /// 预计资金（万元，两位小数）；未填为空。
    pub funds_wan: String,
    /// 帮扶方式：relief（输血）或 capacity（造血）。
    pub mode: String,
    /// 紧急程度：1 一般、2 较急、3 紧急。
    pub urgency: i64,
    /// 截止日期（ISO 日期），可为空。
    pub deadline: String,
    /// 是否微心愿。
    pub is_wish: bool,
    /// 县级联系人及电话。
    pub contact_name: String,
    pub contact_phone: String,
    /// draft、submitted、published、taken、in_progress、done、withdrawn、expired。
    pub status: String,
    /// 状态的中文名，例如“已发布”。
    pub status_label: String,
    /// 录入单位所在地区代码。
    pub unit_region: String,
    /// 录入单位。
    pub created_by: String,
    /// 录入时间（Unix 秒，下同）。
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub published_at: Option<i64>,
    /// 审核发布的单位。
    pub published_by: Option<String>,
    /// 对接成功的时间。
    pub matched_at: Option<i64>,
    pub started_at: Option<i64>,
    pub done_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// 撤回或过期的原因。
    pub close_reason: String,
    /// 数据来源（导入文件及行号等）。
    pub provenance: String,
    pub is_demo: bool,
    pub updated_at: i64,
}

async fn demand_dto(state: &AppState, names: &mut Names, d: &Demand) -> DemandDto {
    DemandDto {
        id: d.id,
        title: d.title.clone(),
        description: d.description.clone(),
        field: d.field.clone(),
        target_kind: d.target_kind.clone(),
        target_label: d.target().label().into(),
        region_code: d.region_code.clone(),
        region_name: names.full(state, &d.region_code).await,
        county_code: d.county_code.clone(),
        beneficiary_group: d.beneficiary_group.clone(),
        beneficiary_count: d.beneficiary_count,
        funds_wan: wan_or_empty(d.funds_fen),
        mode: d.mode.clone(),
        urgency: d.urgency,
        deadline: d.deadline.clone(),
        is_wish: d.is_wish,
        contact_name: d.contact_name.clone(),
        contact_phone: d.contact_phone.clone(),
        status: d.status.clone(),
        status_label: d.status().label().into(),
        unit_region: d.unit_region.clone(),
        created_by: d.created_by.clone(),
        created_at: d.created_at,
        submitted_at: d.submitted_at,
        published_at: d.published_at,
        published_by: d.published_by.clone(),
        matched_at: d.matched_at,
        started_at: d.started_at,
        done_at: d.done_at,
        closed_at: d.closed_at,
        close_reason: d.close_reason.clone(),
        provenance: d.provenance.clone(),
        is_demo: d.is_demo,
        updated_at: d.updated_at,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct DemandParams {
    /// 状态：draft、submitted、published、taken、in_progress、done、withdrawn、expired；不填为全部。
    #[serde(default)]
    pub status: String,
    /// 帮扶领域，例如“教育”。
    #[serde(default)]
    pub field: String,
    /// 地区（任意级别的区划代码，含下级）。
    #[serde(default)]
    pub region: String,
    /// true（或 1）只看微心愿，false（或 0）不含微心愿；不填为全部。
    #[serde(default)]
    #[param(pattern = "^ *(true|false|1|0)? *$")]
    pub wish: String,
    /// 页码，从 1 开始。
    pub page: Option<i64>,
    /// 每页条数，最多 200（默认 20）。
    pub per_page: Option<i64>,
}

/// 一页需求。
#[derive(Serialize, ToSchema)]
pub struct DemandPage {
    pub total: i64,
    pub items: Vec<DemandDto>,
}

fn demand_filter(status: &str, field: &str, region: &str, wish: &str) -> Result<Filter, AppError> {
    if !status.is_empty() && Status::parse(status).is_none() {
        return Err(AppError::field("status", format!("无法识别的状态“{status}”")));
    }
    if !field.is_empty() && !duijie_domain::org::FIELDS.contains(&field) {
        return Err(AppError::field("field", format!("“{field}”不是帮扶领域，应为：{}", duijie_domain::org::FIELDS.join("、"))));
    }
    if !region.trim().is_empty() {
        RegionCode::parse(region).map_err(|e| AppError::field("region", format!("地区：{e}")))?;
    }
    let wish = match wish.trim() {
        "" => None,
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        other => return Err(AppError::field("wish", format!("wish 应为 true 或 false，收到“{other}”"))),
    };
    Ok(Filter { status: status.to_string(), field: field.to_string(), region: region.trim().to_string(), wish })
}

/// 查询需求：官员看到本辖区的全部需求，社会组织看到已发布（含已对接、实施中、已完成）的需求。列表不含帮扶户个人信息。
#[utoipa::path(get, path = "/api/v1/demands", tag = "demands", params(DemandParams),
    responses((status = 200, body = DemandPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_demands(State(state): State<AppState>, user: ApiUser, Query(q): Query<DemandParams>) -> Result<Json<DemandPage>, ApiError> {
    let filter = demand_filter(q.status.trim(), q.field.trim(), &q.region, &q.wish)?;
    let (limit, offset) = page_of(q.page, q.per_page);
    let (rows, total) = crate::demand::list(&state, &user.principal.scope(), &filter, limit, offset).await?;
    let mut names = Names::default();
    let mut items = Vec::with_capacity(rows.len());
    for d in &rows {
        items.push(demand_dto(&state, &mut names, d).await);
    }
    Ok(Json(DemandPage { total, items }))
}

/// 录入需求（草稿；县级乡村振兴部门为本县及下辖乡镇、村录入）。
///
/// 帮扶到户的需求须填写户主姓名、身份证号，加密保存；字段问题返回 422 及 `fields`。数字和布尔值也可直接发送。
#[utoipa::path(post, path = "/api/v1/demands", tag = "demands", request_body = DemandInput,
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_demand(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input: DemandInput = lenient(body, &[])?;
    let id = ops::create(&state, &user.principal, &user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}


/// 需求的附件（照片、文件）。
#[derive(Serialize, ToSchema)]
pub struct DemandFileDto {
    pub id: i64,
    pub file_name: String,
}

/// 帮扶户信息：官员看到脱敏后的姓名、身份证号、电话；社会组织只看到“（帮扶户）”标记，不含姓名和号码。
#[derive(Serialize, ToSchema)]
pub struct HouseholdDto {
    /// 户主姓名（脱敏，例如“张*明”）。
    pub name: String,
    /// 身份证号（脱敏，例如“530628********1234”）。
    pub id_number: String,
    /// 电话（脱敏，例如“138****5678”）。
    pub phone: String,
    /// 是否为完整信息（仅 `POST /api/v1/demands/{id}/household` 返回完整信息）。
    pub full: bool,
}

/// 回报推荐理由的一条。
#[derive(Serialize, ToSchema)]
pub struct ReasonDto {
    /// 理由，例如“业务领域包含“教育””。
    pub label: String,
    /// 该理由的分值；各理由分值之和即总分。
    pub points: i32,
}

fn reasons_of(s: &Score) -> Vec<ReasonDto> {
    s.reasons.iter().map(|r| ReasonDto { label: r.label.clone(), points: r.points }).collect()
}

/// 一次对接（接单或点单）。
#[derive(Serialize, ToSchema)]
pub struct MatchDto {
    pub id: i64,
    pub demand_id: i64,
    pub demand_title: String,
    pub demand_region: String,
    pub org_id: i64,
    pub org_name: String,
    /// 对接所用的供给项目（点单必有）。
    pub offer_id: Option<i64>,
    /// org（社会组织接单）或 county（县级点单）。
    pub initiated_by: String,
    /// 接单或点单。
    pub kind_label: String,
    /// pending、confirmed、declined、cancelled。
    pub status: String,
    /// 状态的中文名，例如“待县级确认”。
    pub status_label: String,
    /// 承诺投入资金（万元）；未填为空。
    pub funds_wan: String,
    /// 派出人数。
    pub people: i64,
    pub note: String,
    /// 提出时的推荐分（来自推荐时）。
    pub score: i64,
    pub reasons: Vec<ReasonDto>,
    pub proposed_by: String,
    pub proposed_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// 未达成或取消的原因。
    pub decline_reason: String,
}

fn match_dto(m: &Match) -> MatchDto {
    #[derive(Deserialize)]
    struct R {
        label: String,
        points: i32,
    }
    let reasons: Vec<R> = serde_json::from_str(&m.reasons).unwrap_or_default();
    MatchDto {
        id: m.id,
        demand_id: m.demand_id,
        demand_title: m.demand_title.clone(),
        demand_region: m.demand_region.clone(),
        org_id: m.org_id,
        org_name: m.org_name.clone(),
        offer_id: m.offer_id,
        initiated_by: m.initiated_by.clone(),
        kind_label: if m.initiated_by == "org" { "接单" } else { "点单" }.into(),
        status: m.status.clone(),
        status_label: m.status_label().into(),
        funds_wan: wan_or_empty(m.funds_fen),
        people: m.people,
        note: m.note.clone(),
        score: m.score,
        reasons: reasons.into_iter().map(|r| ReasonDto { label: r.label, points: r.points }).collect(),
        proposed_by: m.proposed_by.clone(),
        proposed_at: m.proposed_at,
        decided_by: m.decided_by.clone(),
        decided_at: m.decided_at,
        decline_reason: m.decline_reason.clone(),
    }
}

/// 对接成功后形成的帮扶项目。
#[derive(Serialize, ToSchema)]
pub struct ProjectDto {
    pub id: i64,
    pub match_id: i64,
    pub demand_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub region_code: String,
    pub title: String,
    pub field: String,
    /// 投入资金（万元）；未填为空。
    pub funds_wan: String,
    pub people: i64,
    /// 受益人数。
    pub beneficiaries: i64,
    /// planned（待实施）、in_progress（实施中）、done（已完成）。
    pub status: String,
    pub created_at: i64,
}

async fn project_dto(state: &AppState, p: Project) -> Result<ProjectDto, ApiError> {
    let org_name = duijie_store::orgs::get(&state.db, p.org_id).await?.map(|o| o.name).unwrap_or_default();
    Ok(ProjectDto {
        id: p.id,
        match_id: p.match_id,
        demand_id: p.demand_id,
        org_id: p.org_id,
        org_name,
        region_code: p.region_code,
        title: p.title,
        field: p.field,
        funds_wan: wan_or_empty(p.funds_fen),
        people: p.people,
        beneficiaries: p.beneficiaries,
        status: p.status,
        created_at: p.created_at,
    })
}

/// 需求详情：需求、经过、附件、调用者现在可进行的操作、帮扶户（脱敏）、对接与项目。
#[derive(Serialize, ToSchema)]
pub struct DemandDetail {
    #[serde(flatten)]
    pub demand: DemandDto,
    pub events: Vec<EventDto>,
    /// 附件名称（帮扶到户的需求仅对可查看帮扶户信息的官员列出）。
    pub files: Vec<DemandFileDto>,
    /// 调用者现在可进行的操作：submit、approve、return、start、finish、withdraw（用 `POST /api/v1/demands/{id}/steps`）。
    pub steps: Vec<String>,
    /// 是否为帮扶到户的需求。
    pub is_household: bool,
    /// 帮扶户：官员为脱敏信息，社会组织仅为标记；非到户需求为 null。
    pub household: Option<HouseholdDto>,
    /// 调用者能否查看完整帮扶户信息（`POST /api/v1/demands/{id}/household`，记入审计）。
    pub may_view_household: bool,
    /// 对接记录（社会组织只看到本组织的）。
    pub matches: Vec<MatchDto>,
    /// 对接成功后形成的项目。
    pub project: Option<ProjectDto>,
}

async fn detail(state: &AppState, user: &ApiUser, d: Demand) -> Result<DemandDetail, ApiError> {
    let who = &user.principal;
    let region = d.region();
    let is_household = d.target() == duijie_domain::demand::Target::Household;
    let may_household = decide(who, Action::ViewHousehold, Target::Region(&region)).is_allowed();
    let events = demand::events(&state.db, d.id)
        .await?
        .into_iter()
        .map(EventDto::from)
        .collect();
    // Files of a household demand may show the family: only those who may see the household get them.
    let files = if !is_household || may_household {
        demand::files_of(&state.db, d.id).await?.into_iter().map(|(id, file_name)| DemandFileDto { id, file_name }).collect()
    } else {
        Vec::new()
    };
    let household = ops::household(state, who, &user.actor(), &d, false)
        .await?
        .map(|(h, full)| HouseholdDto { name: h.name, id_number: h.id_number, phone: h.phone, full });
    let project = matching::project_of_demand(&state.db, d.id).await?;
    let steps = ops::steps_for(state, who, &d, project.as_ref().map(|p| p.org_id)).into_iter().map(|s| s.key().to_string()).collect();
    let matches = ops::matches_visible(state, who, &d).await?.iter().map(match_dto).collect();
    let project = match project {
        Some(p) => Some(project_dto(state, p).await?),
        None => None,
    };
    let mut names = Names::default();
    Ok(DemandDetail {
        demand: demand_dto(state, &mut names, &d).await,
        events,
        files,
        steps,
        is_household,
        household,
        may_view_household: is_household && may_household,
        matches,
        project,
    })
}

/// 需求详情，含经过、附件、可进行的操作、帮扶户（官员为脱敏信息，社会组织仅为标记）、对接和项目；不在调用者范围内的需求返回 404。
#[utoipa::path(get, path = "/api/v1/demands/{id}", tag = "demands",
    params(("id" = i64, Path, description = "需求编号")),
    responses((status = 200, body = DemandDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_demand(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<DemandDetail>, ApiError> {
    let d = ops::visible(&state, &user.principal, id).await?;
    Ok(Json(detail(&state, &user, d).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct DemandStepRequest {
    /// submit（提交审核）、approve（审核通过并发布）、return（退回修改，须写明原因）、
    /// start（开始实施）、finish（确认完成）、withdraw（撤回）。
    pub step: String,
    /// 说明（退回、撤回的原因），最多 500 字。
    #[serde(default)]
    pub note: String,
}

/// 对需求进行一步操作（提交、审核发布、退回、开始实施、确认完成、撤回），返回操作后的需求详情。
///
/// 当前状态不允许该操作（例如已被他人审核）时返回 409，`current` 为当前状态；填写有误返回 422；无权进行时返回 403。
#[utoipa::path(post, path = "/api/v1/demands/{id}/steps", tag = "demands",
    params(("id" = i64, Path, description = "需求编号")), request_body = DemandStepRequest,
    responses((status = 200, body = DemandDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn demand_step(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<DemandStepRequest>) -> Result<Json<DemandDetail>, ApiError> {
    // Scope first: a demand the caller may not see answers 404 whatever was sent.
    ops::visible(&state, &user.principal, id).await?;
    let step = parse_step(&r.step)?;
    let after = ops::step(&state, &user.principal, &user.actor(), id, step, &r.note).await?;
    Ok(Json(detail(&state, &user, after).await?))
}

/// 查看帮扶户的完整信息（姓名、身份证号、电话），仅限本辖区可查看帮扶户信息的官员；每次查看都记入审计。
///
/// 社会组织和无权查看的官员返回 403，范围外的需求返回 404，需求不是帮扶到户的返回 404。
#[utoipa::path(post, path = "/api/v1/demands/{id}/household", tag = "demands",
    params(("id" = i64, Path, description = "需求编号")),
    responses((status = 200, body = HouseholdDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn household_full(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<HouseholdDto>, ApiError> {
    let d = ops::visible(&state, &user.principal, id).await?;
    let (h, full) = ops::household(&state, &user.principal, &user.actor(), &d, true).await?.ok_or(AppError::NotFound)?;
    Ok(Json(HouseholdDto { name: h.name, id_number: h.id_number, phone: h.phone, full }))
}

// ---------------------------------------------------------------- recommendations

#[derive(Deserialize, IntoParams)]
pub struct LimitParams {
    /// 最多返回条数，1–100（默认 10）。
    pub limit: Option<usize>,
}

/// 推荐的社会组织。
#[derive(Serialize, ToSchema)]
pub struct RecommendedOrg {
    pub org_id: i64,
    pub org_name: String,
    /// 推荐分，等于各理由分值之和。
    pub score: i32,
    pub reasons: Vec<ReasonDto>,
}

/// 推荐的供给项目。
#[derive(Serialize, ToSchema)]
pub struct RecommendedOffer {
    pub offer_id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// 供给项目名称。
    pub title: String,
    pub score: i32,
    pub reasons: Vec<ReasonDto>,
    /// 尚可承接的需求数。
    pub capacity_left: i64,
}

/// 某需求的推荐结果。
#[derive(Serialize, ToSchema)]
pub struct Recommendations {
    /// 推荐的社会组织，分高的在前。
    pub organizations: Vec<RecommendedOrg>,
    /// 推荐的供给项目（可用于点单），分高的在前。
    pub offers: Vec<RecommendedOffer>,
}

/// 为需求推荐社会组织和供给项目，附推荐理由及分值；列入信用名单、未审核通过或已注销的组织不会被推荐。
///
/// 官员看到全部推荐；社会组织只看到本组织及本组织供给项目的推荐分。
#[utoipa::path(get, path = "/api/v1/demands/{id}/recommendations", tag = "demands",
    params(("id" = i64, Path, description = "需求编号"), LimitParams),
    responses((status = 200, body = Recommendations), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn demand_recommendations(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, Query(q): Query<LimitParams>) -> Result<Json<Recommendations>, ApiError> {
    let who = &user.principal;
    let d = ops::visible(&state, who, id).await?;
    let limit = q.limit.unwrap_or(10).clamp(1, 100);
    let own = who.org_id.filter(|_| who.role == Role::Organization);
    let (orgs, offers) = match own {
        // An organisation learns its own fit, never who else is recommended.
        Some(org) => {
            let (o, f) = ops::fit_for_org(&state, &d, org).await;
            (o.into_iter().collect(), f.into_iter().take(limit).collect())
        }
        None if who.role.is_government() => ops::recommend_for_demand(&state, &d, limit).await?,
        None => return Err(AppError::Forbidden.into()),
    };
    let ids: Vec<i64> = orgs.iter().map(|r| r.org_id).collect();
    let found: HashMap<i64, String> = duijie_store::orgs::by_ids(&state.db, &ids).await?.into_iter().map(|o| (o.id, o.name)).collect();
    let organizations = orgs
        .iter()
        .filter_map(|r| found.get(&r.org_id).map(|name| RecommendedOrg { org_id: r.org_id, org_name: name.clone(), score: r.score.total, reasons: reasons_of(&r.score) }))
        .collect();
    let offer_ids: Vec<i64> = offers.iter().filter_map(|r| r.offer_id).collect();
    let mut found: HashMap<i64, Offer> = supply::by_ids(&state.db, &offer_ids).await?.into_iter().map(|f| (f.id, f)).collect();
    let out = offers
        .iter()
        .filter_map(|r| {
            let f = found.remove(&r.offer_id?)?;
            Some(RecommendedOffer { offer_id: f.id, org_id: f.org_id, capacity_left: f.capacity_left(), org_name: f.org_name, title: f.title, score: r.score.total, reasons: reasons_of(&r.score) })
        })
        .collect();
    Ok(Json(Recommendations { organizations, offers: out }))
}

/// 推荐给本组织的需求。
#[derive(Serialize, ToSchema)]
pub struct RecommendedDemand {
    pub demand_id: i64,
    pub title: String,
    /// 需求所在地区代码。
    pub region: String,
    /// 需求所在地区全称。
    pub region_name: String,
    pub field: String,
    pub score: i32,
    pub reasons: Vec<ReasonDto>,
}

/// 为本组织推荐已发布的需求，附推荐理由及分值（仅社会组织用户；列入信用名单的组织得到空列表）。
#[utoipa::path(get, path = "/api/v1/recommendations/demands", tag = "demands", params(LimitParams),
    responses((status = 200, body = [RecommendedDemand]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn recommended_demands(State(state): State<AppState>, user: ApiUser, Query(q): Query<LimitParams>) -> Result<Json<Vec<RecommendedDemand>>, ApiError> {
    let limit = q.limit.unwrap_or(10).clamp(1, 100);
    let recs = ops::recommend_for_org(&state, &user.principal, limit).await?;
    let mut names = Names::default();
    let mut out = Vec::with_capacity(recs.len());
    for r in recs {
        let Some(d) = demand::get(&state.db, r.demand_id).await? else { continue };
        if !ops::is_public(&d) {
            continue;
        }
        out.push(RecommendedDemand {
            demand_id: d.id,
            region_name: names.full(&state, &d.region_code).await,
            region: d.region_code,
            title: d.title,
            field: d.field,
            score: r.score.total,
            reasons: reasons_of(&r.score),
        });
    }
    Ok(Json(out))
}

// ---------------------------------------------------------------- matching

/// 新对接的编号。
#[derive(Serialize, ToSchema)]
pub struct MatchCreated {
    pub match_id: i64,
}

/// 社会组织承接已发布的需求（接单），等待县级乡村振兴部门确认。
///
/// 可附本组织的供给项目 `offer_id`、承诺资金 `funds_wan`（万元）、派出人数 `people` 和说明 `note`。
/// 列入信用名单、未审核通过或已注销的组织不能承接（422，原因见 message）。
#[utoipa::path(post, path = "/api/v1/demands/{id}/take", tag = "demands",
    params(("id" = i64, Path, description = "需求编号")), request_body = MatchInput,
    responses((status = 201, body = MatchCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<MatchCreated>), ApiError> {
    let input: MatchInput = lenient(body, &["offer_id"])?;
    let match_id = ops::take(&state, &user.principal, &user.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, Json(MatchCreated { match_id })))
}

/// 县级乡村振兴部门为本县的需求向供给项目点单（须填 `offer_id`），等待社会组织确认。
#[utoipa::path(post, path = "/api/v1/demands/{id}/order", tag = "demands",
    params(("id" = i64, Path, description = "需求编号")), request_body = MatchInput,
    responses((status = 201, body = MatchCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn order(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<MatchCreated>), ApiError> {
    let input: MatchInput = lenient(body, &["offer_id"])?;
    let match_id = ops::order(&state, &user.principal, &user.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, Json(MatchCreated { match_id })))
}

#[derive(Deserialize, ToSchema)]
pub struct MatchDecision {
    /// true 确认对接；false 谢绝（另一方）或取消（提出方）。
    pub confirm: bool,
    /// 谢绝的原因（谢绝时必填）。
    #[serde(default)]
    pub reason: String,
}

/// 确认或谢绝对接：接单由县级确认，点单由社会组织确认；提出方可以取消。确认后需求变为“已对接”并形成项目。返回决定后的对接。
#[utoipa::path(post, path = "/api/v1/matches/{id}/decision", tag = "demands",
    params(("id" = i64, Path, description = "对接编号")), request_body = MatchDecision,
    responses((status = 200, body = MatchDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn match_decision(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<MatchDecision>) -> Result<Json<MatchDto>, ApiError> {
    let m = ops::decide_match(&state, &user.principal, &user.actor(), id, r.confirm, &r.reason).await?;
    Ok(Json(match_dto(&m)))
}

// ---------------------------------------------------------------- offers

/// 供给项目。
#[derive(Serialize, ToSchema)]
pub struct OfferDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// 组织登记地区划代码。
    pub org_region: String,
    pub title: String,
    pub description: String,
    /// 帮扶领域，以“、”分隔。
    pub fields: String,
    /// 面向地区的代码，以“、”分隔；空为不限。
    pub target_regions: String,
    /// 可投入资金（万元）；未填为空。
    pub funds_wan: String,
    pub people: i64,
    /// 实施期限（ISO 日期），可为空。
    pub period_start: String,
    pub period_end: String,
    /// 可承接的需求数。
    pub capacity: i64,
    /// 已确认对接的需求数。
    pub taken: i64,
    /// published（发布中）、closed（已关闭）、hidden（已下架）。
    pub status: String,
    pub status_label: String,
    /// 下架原因。
    pub hidden_reason: String,
    /// 是否推荐展示。
    pub featured: bool,
    pub created_by: String,
    pub created_at: i64,
    pub is_demo: bool,
    pub updated_at: i64,
}

fn offer_dto(f: &Offer) -> OfferDto {
    OfferDto {
        id: f.id,
        org_id: f.org_id,
        org_name: f.org_name.clone(),
        org_region: f.org_region.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        fields: f.fields.clone(),
        target_regions: f.target_regions.clone(),
        funds_wan: wan_or_empty(f.funds_fen),
        people: f.people,
        period_start: f.period_start.clone(),
        period_end: f.period_end.clone(),
        capacity: f.capacity,
        taken: f.taken,
        status: f.status.clone(),
        status_label: f.status_label().into(),
        hidden_reason: f.hidden_reason.clone(),
        featured: f.featured,
        created_by: f.created_by.clone(),
        created_at: f.created_at,
        is_demo: f.is_demo,
        updated_at: f.updated_at,
    }
}

/// Whether `who` manages the offers of organisation `org_id` (its own users, officers in scope).
async fn manages(state: &AppState, who: &Principal, org_id: i64) -> Result<bool, ApiError> {
    let Some(org) = duijie_store::orgs::get(&state.db, org_id).await? else { return Ok(false) };
    Ok(decide(who, Action::ManageOffer, Target::Organization { id: org.id, region: &org.region() }).is_allowed())
}

/// An offer the caller may see: published ones, others only for those who manage them (404 otherwise).
async fn visible_offer(state: &AppState, who: &Principal, id: i64) -> Result<Offer, ApiError> {
    let f = supply::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if f.status != "published" && !manages(state, who, f.org_id).await? {
        return Err(AppError::NotFound.into());
    }
    Ok(f)
}

#[derive(Deserialize, IntoParams)]
pub struct OfferParams {
    /// 只看某组织的供给项目；为本组织（或辖区内官员管理的组织）时含已关闭、已下架的。
    pub org_id: Option<i64>,
    /// 页码，从 1 开始。
    pub page: Option<i64>,
    /// 每页条数，最多 200（默认 20）。
    pub per_page: Option<i64>,
}

/// 一页供给项目。
#[derive(Serialize, ToSchema)]
pub struct OfferPage {
    pub total: i64,
    pub items: Vec<OfferDto>,
}

/// 查询供给项目：发布中的供给项目，推荐展示的在前；`org_id` 为本组织时含本组织已关闭、已下架的。
#[utoipa::path(get, path = "/api/v1/offers", tag = "demands", params(OfferParams),
    responses((status = 200, body = OfferPage), (status = 401, body = ErrorBody)))]
pub async fn list_offers(State(state): State<AppState>, user: ApiUser, Query(q): Query<OfferParams>) -> Result<Json<OfferPage>, ApiError> {
    let all = match q.org_id {
        Some(org) => manages(&state, &user.principal, org).await?,
        None => false,
    };
    let (limit, offset) = page_of(q.page, q.per_page);
    let (rows, total) = ops::offers(&state, q.org_id, None, !all, limit, offset).await?;
    Ok(Json(OfferPage { total, items: rows.iter().map(offer_dto).collect() }))
}

/// 发布供给项目（社会组织为本组织发布；列入信用名单、未审核通过或已注销的组织不能发布）。
///
/// `fields` 为帮扶领域（以“、”分隔），`target_regions` 为面向的省、市、县（名称或代码，空为不限），`capacity` 为可承接需求数。数字也可直接发送。
#[utoipa::path(post, path = "/api/v1/offers", tag = "demands", request_body = OfferInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_offer(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input: OfferInput = lenient(body, &[])?;
    let id = ops::create_offer(&state, &user.principal, &user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 供给项目详情；未发布的只有本组织和辖区内的官员可见（否则 404）。
#[utoipa::path(get, path = "/api/v1/offers/{id}", tag = "demands",
    params(("id" = i64, Path, description = "供给项目编号")),
    responses((status = 200, body = OfferDto), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_offer(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<OfferDto>, ApiError> {
    Ok(Json(offer_dto(&visible_offer(&state, &user.principal, id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct OfferStatusRequest {
    /// published（重新发布）、closed（关闭，社会组织）、hidden（下架，官员，须写明原因）。
    pub status: String,
    /// 下架原因。
    #[serde(default)]
    pub reason: String,
    /// 推荐展示（仅官员）。
    #[serde(default)]
    pub featured: Option<bool>,
}

/// 变更供给项目状态：社会组织关闭或重新发布本组织的项目；辖区内的官员下架（须写明原因）或推荐展示。返回变更后的项目。
#[utoipa::path(post, path = "/api/v1/offers/{id}/status", tag = "demands",
    params(("id" = i64, Path, description = "供给项目编号")), request_body = OfferStatusRequest,
    responses((status = 200, body = OfferDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn offer_status(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(r): ApiJson<OfferStatusRequest>) -> Result<Json<OfferDto>, ApiError> {
    let before = visible_offer(&state, &user.principal, id).await?;
    let status = r.status.trim();
    if !matches!(status, "published" | "closed" | "hidden") {
        return Err(AppError::field("status", format!("无法识别的状态“{status}”，应为 published、closed 或 hidden")).into());
    }
    // An organisation does not undo an officer's takedown (`set_offer_status` lets it republish).
    if user.principal.role == Role::Organization && before.status == "hidden" && status != "hidden" {
        return Err(AppError::bad("该供给项目已被管理部门下架，请联系管理部门处理").into());
    }
    let after = ops::set_offer_status(&state, &user.principal, &user.actor(), id, status, &r.reason, r.featured).await?;
    Ok(Json(offer_dto(&after)))
}

// ---------------------------------------------------------------- success rate

#[derive(Deserialize, IntoParams)]
pub struct StatsParams {
    /// 地区（任意级别的区划代码，含下级）；不填为本单位所在地区。
    #[serde(default)]
    pub region: String,
    /// 统计期开始日期（含），例如 2026-01-01；不填为今年 1 月 1 日。
    #[serde(default)]
    pub from: String,
    /// 统计期结束日期（含），例如 2026-11-23；不填为今天（北京时间）。
    #[serde(default)]
    pub to: String,
}

/// 一组的发布数、对接成功数和成功率。
#[derive(Serialize, ToSchema)]
pub struct RateDto {
    /// 地区代码或帮扶领域。
    pub key: String,
    /// 地区名称（按地区分组时）；按领域分组时同 key。
    pub name: String,
    /// 统计期内发布的需求数。
    pub published: u64,
    /// 其中截至期末已对接成功的需求数。
    pub matched: u64,
    /// 成功率（0–1）；没有发布的需求时为 0。
    pub rate: f64,
    /// 成功率的百分数文字，例如“62.5%”。
    pub percent: String,
}

fn rate_dto(r: &Rate, name: String) -> RateDto {
    RateDto { key: r.key.clone(), name, published: r.published, matched: r.matched, rate: r.rate, percent: r.percent() }
}

/// 供需对接成功率。
#[derive(Serialize, ToSchema)]
pub struct SuccessRateDto {
    /// 统计地区代码（含下级）。
    pub region: String,
    pub region_name: String,
    /// 统计期（ISO 日期，北京时间，含首尾两天）。
    pub from: String,
    pub to: String,
    /// 统计期的起止时刻（Unix 秒）。
    pub from_ts: i64,
    pub to_ts: i64,
    /// 合计。
    pub total: RateDto,
    /// 按下一级地区。
    pub by_region: Vec<RateDto>,
    /// 按帮扶领域。
    pub by_field: Vec<RateDto>,
    /// 发布后超过 `long_unmatched_days` 天仍未对接的需求数（当前）。
    pub long_unmatched: u64,
    pub long_unmatched_days: i64,
    /// 成功率的口径。
    pub definition: String,
}

fn parse_day(field: &str, s: &str, default: chrono::NaiveDate) -> Result<chrono::NaiveDate, AppError> {
    if s.trim().is_empty() {
        return Ok(default);
    }
    duijie_domain::date::parse_date(s).ok_or_else(|| AppError::field(field, "日期无效，例如 2026-11-23"))
}

/// 供需对接成功率：统计期内发布的需求中截至期末已对接成功的比例，含合计、按下一级地区、按帮扶领域，以及长期未对接的需求数；口径见 `definition`。
///
/// 默认为本单位所在地区、今年 1 月 1 日至今天。社会组织返回 403，辖区外的地区返回 404。
#[utoipa::path(get, path = "/api/v1/stats/matching", tag = "demands", params(StatsParams),
    responses((status = 200, body = SuccessRateDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn matching_stats(State(state): State<AppState>, user: ApiUser, Query(q): Query<StatsParams>) -> Result<Json<SuccessRateDto>, ApiError> {
    let who = &user.principal;
    let region = if q.region.trim().is_empty() { who.region.clone() } else { RegionCode::parse(&q.region).map_err(|e| AppError::field("region", format!("地区：{e}")))? };
    let today = duijie_app::today();
    let jan1 = chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let from = parse_day("from", &q.from, jan1)?;
    let to = parse_day("to", &q.to, today)?;
    let r: SuccessRate = ops::success_rate(&state, who, &region, from, to).await?;
    let mut names = Names::default();
    let mut by_region = Vec::with_capacity(r.by_region.len());
    for x in &r.by_region {
        let name = names.short(&state, &x.key).await;
        by_region.push(rate_dto(x, name));
    }
    Ok(Json(SuccessRateDto {
        region_name: names.full(&state, &r.region).await,
        region: region.to_string(),
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        from_ts: r.from,
        to_ts: r.to,
        total: rate_dto(&r.total, String::new()),
        by_region,
        by_field: r.by_field.iter().map(|x| rate_dto(x, x.key.clone())).collect(),
        long_unmatched: r.long_unmatched,
        long_unmatched_days: LONG_UNMATCHED_DAYS,
        definition: r.definition.to_string(),
    }))
}

// ---------------------------------------------------------------- public

/// The listing scope of an anonymous caller: no region, no organisation, so
/// the store answers published records only.
fn public_scope() -> Scope {
    duijie_domain::Scope::public()
}

/// 公开的需求（不含任何个人信息）。
#[derive(Serialize, ToSchema)]
pub struct PublicDemandDto {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub field: String,
    /// county、township、village、household。
    pub target_kind: String,
    pub target_label: String,
    pub region_code: String,
    pub region_name: String,
    pub beneficiary_group: String,
    pub beneficiary_count: i64,
    /// 预计资金（万元）；未填为空。
    pub funds_wan: String,
    /// relief（输血）或 capacity（造血）。
    pub mode: String,
    /// 1 一般、2 较急、3 紧急。
    pub urgency: i64,
    pub deadline: String,
    pub is_wish: bool,
    /// 县级联系人及电话（单位联系方式）。
    pub contact_name: String,
    pub contact_phone: String,
    /// published、taken、in_progress、done。
    pub status: String,
    pub status_label: String,
    /// 发布时间（Unix 秒）。
    pub published_at: Option<i64>,
}

async fn public_dto(state: &AppState, names: &mut Names, d: &Demand) -> PublicDemandDto {
    PublicDemandDto {
        id: d.id,
        title: d.title.clone(),
        description: d.description.clone(),
        field: d.field.clone(),
        target_kind: d.target_kind.clone(),
        target_label: d.target().label().into(),
        region_code: d.region_code.clone(),
        region_name: names.full(state, &d.region_code).await,
        beneficiary_group: d.beneficiary_group.clone(),
        beneficiary_count: d.beneficiary_count,
        funds_wan: wan_or_empty(d.funds_fen),
        mode: d.mode.clone(),
        urgency: d.urgency,
        deadline: d.deadline.clone(),
        is_wish: d.is_wish,
        contact_name: d.contact_name.clone(),
        contact_phone: d.contact_phone.clone(),
        status: d.status.clone(),
        status_label: d.status().label().into(),
        published_at: d.published_at,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PublicDemandParams {
    /// published（默认，可对接的）、taken、in_progress、done，或 all（以上全部）。
    #[serde(default)]
    pub status: String,
    /// 帮扶领域。
    #[serde(default)]
    pub field: String,
    /// 地区（任意级别的区划代码，含下级）。
    #[serde(default)]
    pub region: String,
    /// 页码，从 1 开始。
    pub page: Option<i64>,
    /// 每页条数，最多 200（默认 20）。
    pub per_page: Option<i64>,
}

/// 一页公开的需求。
#[derive(Serialize, ToSchema)]
pub struct PublicDemandPage {
    pub total: i64,
    pub items: Vec<PublicDemandDto>,
}

/// 公开的需求项目库（无需令牌）：已发布的需求，不含帮扶户姓名、身份证号等任何个人信息。
#[utoipa::path(get, path = "/api/v1/public/demands", tag = "demands", security(()), params(PublicDemandParams),
    responses((status = 200, body = PublicDemandPage), (status = 422, body = ErrorBody)))]
pub async fn public_demands(State(state): State<AppState>, Query(q): Query<PublicDemandParams>) -> Result<Json<PublicDemandPage>, ApiError> {
    let status = match q.status.trim() {
        "" => Status::Published.as_str(),
        "all" => "",
        s => match Status::parse(s) {
            Some(s) if s.is_public() => s.as_str(),
            _ => return Err(AppError::field("status", "公开的需求状态应为 published、taken、in_progress、done 或 all").into()),
        },
    };
    let filter = demand_filter(status, q.field.trim(), &q.region, "")?;
    let (limit, offset) = page_of(q.page, q.per_page);
    let (rows, total) = crate::demand::list(&state, &public_scope(), &filter, limit, offset).await?;
    let mut names = Names::default();
    let mut items = Vec::with_capacity(rows.len());
    for d in rows.iter().filter(|d| ops::is_public(d)) {
        items.push(public_dto(&state, &mut names, d).await);
    }
    Ok(Json(PublicDemandPage { total, items }))
}

/// 公开的需求详情（无需令牌）：仅已发布（含已对接、实施中、已完成）的需求，其他返回 404；不含任何个人信息。
#[utoipa::path(get, path = "/api/v1/public/demands/{id}", tag = "demands", security(()),
    params(("id" = i64, Path, description = "需求编号")),
    responses((status = 200, body = PublicDemandDto), (status = 404, body = ErrorBody)))]
pub async fn public_demand(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Json<PublicDemandDto>, ApiError> {
    let d = demand::get(&state.db, id).await?.filter(ops::is_public).ok_or(AppError::NotFound)?;
    Ok(Json(public_dto(&state, &mut Names::default(), &d).await))
}

#[derive(Deserialize, IntoParams)]
pub struct PublicOfferParams {
    /// 只看某组织的供给项目。
    pub org_id: Option<i64>,
    /// 页码，从 1 开始。
    pub page: Option<i64>,
    /// 每页条数，最多 200（默认 20）。
    pub per_page: Option<i64>,
}

/// 公开的供给项目库（无需令牌）：发布中的供给项目，推荐展示的在前。
#[utoipa::path(get, path = "/api/v1/public/offers", tag = "demands", security(()), params(PublicOfferParams),
    responses((status = 200, body = OfferPage)))]
pub async fn public_offers(State(state): State<AppState>, Query(q): Query<PublicOfferParams>) -> Result<Json<OfferPage>, ApiError> {
    let (limit, offset) = page_of(q.page, q.per_page);
    let (rows, total) = ops::offers(&state, q.org_id, None, true, limit, offset).await?;
    Ok(Json(OfferPage { total, items: rows.iter().map(offer_dto).collect() }))
}

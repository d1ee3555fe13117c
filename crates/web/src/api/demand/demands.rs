//! Demands over the API: the list, recording, one demand, its steps and a household's full record (audited).

use super::*;
use super::public::{PublicDemandDto, public_dto};
use duijie_domain::authz::Guarded;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(list_demands, create_demand))
        .routes(routes!(get_demand))
        .routes(routes!(demand_step))
        .routes(routes!(household_full))
}

/// 需求项目（不含帮扶户个人信息）：公开的内容，加上录入、审核和办理的记录。
#[derive(Serialize, ToSchema)]
pub struct DemandDto {
    /// 公开的内容（与公开需求库相同的字段）。
    #[serde(flatten)]
    pub public: PublicDemandDto,
    /// 所在县的代码。
    pub county_code: String,
    /// 录入单位所在地区代码。
    pub unit_region: String,
    /// 录入单位。
    pub created_by: String,
    /// 录入时间（Unix 秒，下同）。
    pub created_at: i64,
    pub submitted_at: Option<i64>,
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

pub(super) async fn demand_dto(state: &AppState, names: &mut Names, d: &Demand) -> DemandDto {
    DemandDto {
        public: public_dto(state, names, d).await,
        county_code: d.county_code.as_str().into(),
        unit_region: d.unit_region.as_str().into(),
        created_by: d.created_by.clone(),
        created_at: d.created_at,
        submitted_at: d.submitted_at,
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

pub(super) fn demand_filter(status: &str, field: &str, region: &str, wish: &str) -> Result<Filter, AppError> {
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
    let (rows, total) = duijie_app::demand::list(&state, &user.principal.scope(), &filter, limit, offset).await?;
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

pub(super) fn reasons_of(s: &Score) -> Vec<ReasonDto> {
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

pub(super) fn match_dto(m: &Match) -> MatchDto {
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
        demand_region: m.demand_region.as_str().into(),
        org_id: m.org_id,
        org_name: m.org_name.clone(),
        offer_id: m.offer_id,
        initiated_by: m.initiated_by.as_str().into(),
        kind_label: m.initiated_by.kind().into(),
        status: m.status.as_str().into(),
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
    /// planned（计划中）、in_progress（实施中）、done（已完成）、stopped（已终止）。
    pub status: String,
    pub created_at: i64,
}

pub(super) async fn project_dto(state: &AppState, p: Project) -> Result<ProjectDto, ApiError> {
    let org_name = duijie_store::orgs::name(&state.db, p.org_id).await?.unwrap_or_default();
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
        status: p.status.as_str().into(),
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

pub(super) async fn detail(state: &AppState, user: &ApiUser, d: Demand) -> Result<DemandDetail, ApiError> {
    let who = &user.principal;
    let region = d.region();
    let is_household = d.target() == duijie_domain::demand::Target::Household;
    let may_household = decide(who, Action::ViewHousehold, Target::Region(region)).is_allowed();
    let events = demand::events(&state.db, d.id)
        .await?
        .into_iter()
        .map(EventDto::from)
        .collect();
    // Files of a household demand may show the family: only those who may see the household get them.
    let files = if d.decide(who, Action::OpenDemandFile).is_allowed() {
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

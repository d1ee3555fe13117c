//! The supply library over the API: offers listed, published, shown, closed, hidden and featured.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(list_offers, create_offer))
        .routes(routes!(get_offer))
        .routes(routes!(offer_status))
}

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

pub(super) fn offer_dto(f: &Offer) -> OfferDto {
    OfferDto {
        id: f.id,
        org_id: f.org_id,
        org_name: f.org_name.clone(),
        org_region: f.org_region.as_str().into(),
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
        status: f.status.as_str().into(),
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
pub(super) async fn manages(state: &AppState, who: &Principal, org_id: i64) -> Result<bool, ApiError> {
    let Some(org) = duijie_store::orgs::get(&state.db, org_id).await? else { return Ok(false) };
    Ok(org.decision(who, Action::ManageOffer).is_allowed())
}

/// An offer the caller may see: published ones, others only for those who manage them (404 otherwise).
pub(super) async fn visible_offer(state: &AppState, who: &Principal, id: i64) -> Result<Offer, ApiError> {
    Ok(duijie_app::open(supply::get(&state.db, id).await?, who, Action::ViewOffer)?)
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
    let Some(status) = OfferStatus::parse(r.status.trim()) else {
        return Err(AppError::field("status", format!("无法识别的状态“{}”，应为 published、closed 或 hidden", r.status.trim())).into());
    };
    // An organisation does not undo an officer's takedown (`set_offer_status` lets it republish).
    if user.principal.role() == Role::Organization && before.status == OfferStatus::Hidden && status != OfferStatus::Hidden {
        return Err(AppError::bad("该供给项目已被管理部门下架，请联系管理部门处理").into());
    }
    let after = ops::set_offer_status(&state, &user.principal, &user.actor(), id, status, &r.reason, r.featured).await?;
    Ok(Json(offer_dto(&after)))
}

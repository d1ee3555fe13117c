//! The public demand and supply libraries (no token): published demands and offers only, never personal data.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(public_demands))
        .routes(routes!(public_demand))
        .routes(routes!(public_offers))
}

/// The listing scope of an anonymous caller: no region, no organisation, so
/// the store answers published records only.
pub(super) fn public_scope() -> Scope {
    duijie_domain::Scope::public()
}

/// 公开的需求（不含任何个人信息）。
#[derive(Serialize, ToSchema)]
pub struct PublicDemandDto {
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
    /// 县级联系人及电话（单位联系方式）。
    pub contact_name: String,
    pub contact_phone: String,
    /// draft、submitted、published、taken、in_progress、done、withdrawn、expired（公开需求库只有 published、taken、in_progress、done）。
    pub status: String,
    /// 状态的中文名，例如“已发布”。
    pub status_label: String,
    /// 发布时间（Unix 秒）。
    pub published_at: Option<i64>,
}

pub(super) async fn public_dto(state: &AppState, names: &mut Names, d: &Demand) -> PublicDemandDto {
    PublicDemandDto {
        id: d.id,
        title: d.title.clone(),
        description: d.description.clone(),
        field: d.field.clone(),
        target_kind: d.target_kind.as_str().into(),
        target_label: d.target().label().into(),
        region_code: d.region_code.as_str().into(),
        region_name: names.full(state, d.region_code.as_str()).await,
        beneficiary_group: d.beneficiary_group.clone(),
        beneficiary_count: d.beneficiary_count,
        funds_wan: wan_or_empty(d.funds_fen),
        mode: d.mode.clone(),
        urgency: d.urgency,
        deadline: d.deadline.clone(),
        is_wish: d.is_wish,
        contact_name: d.contact_name.clone(),
        contact_phone: d.contact_phone.clone(),
        status: d.status.as_str().into(),
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
    let (rows, total) = duijie_app::demand::list(&state, &public_scope(), &filter, limit, offset).await?;
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
    let d = demand::get(&state.db, id).await?.and_then(|d| d.public()).ok_or(AppError::NotFound)?;
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

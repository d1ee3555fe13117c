//! Organisations' intents (结对意愿) and counties' needs over the API.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(get_intent, put_intent))
        .routes(routes!(get_needs, put_needs))
}

/// 意向地区。
#[derive(Serialize, ToSchema)]
pub struct RegionRef {
    pub code: String,
    pub name: String,
}

/// 社会组织的结对意愿。
#[derive(Serialize, ToSchema)]
pub struct IntentDto {
    pub org_id: i64,
    /// 愿意结对的县数（0–200）；0 表示暂不结对。
    pub capacity: i64,
    /// 意向省份或地市；空表示不限。
    pub preferred: Vec<RegionRef>,
    pub note: String,
    /// 最近填写的单位；从未填写为 null。
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

pub(super) fn own_org(who: &Principal) -> Result<i64, AppError> {
    who.org_id().filter(|_| who.role() == Role::Organization).ok_or(AppError::Forbidden)
}

pub(super) async fn intent_dto(state: &AppState, org_id: i64) -> Result<IntentDto, ApiError> {
    Ok(match plans::intent(&state.db, org_id).await? {
        Some(i) => IntentDto {
            org_id,
            capacity: i.capacity,
            preferred: i.preferred.split('、').filter(|c| !c.is_empty()).map(|c| RegionRef { code: c.to_string(), name: region_name(state, c) }).collect(),
            note: i.note,
            updated_by: Some(i.updated_by),
            updated_at: Some(i.updated_at),
        },
        None => IntentDto { org_id, capacity: 0, preferred: Vec::new(), note: String::new(), updated_by: None, updated_at: None },
    })
}

/// 本组织的结对意愿（仅社会组织用户）。
#[utoipa::path(get, path = "/api/v1/pairing/intent", tag = "pairing",
    responses((status = 200, body = IntentDto), (status = 403, body = ErrorBody)))]
pub async fn get_intent(State(state): State<AppState>, user: ApiUser) -> Result<Json<IntentDto>, ApiError> {
    let org_id = own_org(&user.principal)?;
    Ok(Json(intent_dto(&state, org_id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct IntentRequest {
    /// 愿意结对的县数，0–200。
    pub capacity: Option<i64>,
    /// 意向省份或地市，写代码（53、5306）或名称（云南省、昭通市）；空表示不限。
    #[serde(default)]
    pub preferred: Vec<String>,
    /// 说明。
    #[serde(default)]
    pub note: String,
}

/// 填写本组织的结对意愿（仅社会组织用户），结对方案据此为组织推荐县。
#[utoipa::path(put, path = "/api/v1/pairing/intent", tag = "pairing", request_body = IntentRequest,
    responses((status = 200, body = IntentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_intent(State(state): State<AppState>, user: ApiUser, ApiJson(r): ApiJson<IntentRequest>) -> Result<Json<IntentDto>, ApiError> {
    let org_id = own_org(&user.principal)?;
    let capacity = r.capacity.filter(|n| (0..=200).contains(n)).ok_or_else(|| AppError::field("capacity", "可结对县数应为 0–200 的整数"))?;
    if r.note.chars().count() > 500 {
        return Err(AppError::field("note", "说明不能超过 500 字").into());
    }
    let preferred = parse_preferred(&state.tree, &r.preferred.join("、")).map_err(|m| AppError::field("preferred", m))?;
    let mut tx = state.db.begin().await?;
    plans::set_intent(&mut tx, &user.actor(), org_id, capacity, &preferred, &r.note).await?;
    tx.commit().await?;
    Ok(Json(intent_dto(&state, org_id).await?))
}

/// A county whose needs `who` may record: officers with `ProposePairing` there, never organisations.
pub(super) fn county_for_needs(state: &AppState, who: &Principal, code: &str) -> Result<RegionCode, AppError> {
    let c = RegionCode::parse(code).map_err(|_| AppError::NotFound)?;
    if c.level() != Level::County || state.tree.get(&c).is_none() {
        return Err(AppError::NotFound);
    }
    if who.role() == Role::Organization {
        return Err(AppError::Forbidden);
    }
    require(decide(who, Action::ProposePairing, Target::Region(&c)))?;
    Ok(c)
}

/// 某县各帮扶领域的需求程度。
#[derive(Serialize, ToSchema)]
pub struct NeedsDto {
    pub county: String,
    pub name: String,
    /// 是否已填写；未填写时结对方案按每个领域需求 1 计算。
    pub recorded: bool,
    /// 领域 → 需求程度（0–3），只含已填写且大于 0 的领域。
    pub needs: BTreeMap<String, i64>,
}

pub(super) async fn needs_dto(state: &AppState, c: &RegionCode) -> Result<NeedsDto, ApiError> {
    let recorded = plans::needs(&state.db, c.as_str()).await?;
    Ok(NeedsDto { county: c.to_string(), name: state.tree.full_name(c), recorded: !recorded.is_empty(), needs: recorded.into_iter().collect() })
}

/// 某县的帮扶需求领域（辖区内的民政、乡村振兴部门）。
#[utoipa::path(get, path = "/api/v1/pairing/needs/{county}", tag = "pairing",
    params(("county" = String, Path, description = "县级区划代码，例如 530628")),
    responses((status = 200, body = NeedsDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_needs(State(state): State<AppState>, user: ApiUser, Path(county): Path<String>) -> Result<Json<NeedsDto>, ApiError> {
    let c = county_for_needs(&state, &user.principal, &county)?;
    Ok(Json(needs_dto(&state, &c).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NeedsRequest {
    /// 领域 → 需求程度（0–3），例如 {"教育": 2, "产业": 3}；未列出的领域为 0。
    #[serde(default)]
    pub needs: BTreeMap<String, i64>,
}

/// 填写某县的帮扶需求领域（辖区内的民政、乡村振兴部门；社会组织不能填写），替换原有记录。
#[utoipa::path(put, path = "/api/v1/pairing/needs/{county}", tag = "pairing",
    params(("county" = String, Path, description = "县级区划代码，例如 530628")), request_body = NeedsRequest,
    responses((status = 204, description = "已保存"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_needs(
    State(state): State<AppState>,
    user: ApiUser,
    Path(county): Path<String>,
    ApiJson(r): ApiJson<NeedsRequest>,
) -> Result<StatusCode, ApiError> {
    let c = county_for_needs(&state, &user.principal, &county)?;
    let mut needs = Vec::new();
    for (field, n) in &r.needs {
        if !FIELDS.contains(&field.as_str()) {
            return Err(AppError::field("needs", format!("“{field}”不是帮扶领域，应为：{}", FIELDS.join("、"))).into());
        }
        if !(0..=3).contains(n) {
            return Err(AppError::field("needs", format!("“{field}”的需求程度应为 0–3")).into());
        }
        if *n > 0 {
            needs.push((field.clone(), *n));
        }
    }
    let mut tx = state.db.begin().await?;
    plans::set_needs(&mut tx, &user.actor(), &c, &needs).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Batches of pairings over the API: listed, created, published, and a batch's list as of a date.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(list_batches, create_batch))
        .routes(routes!(publish_batch))
        .routes(routes!(batch_list))
}

/// 结对批次（名单）。
#[derive(Serialize, ToSchema)]
pub struct BatchDto {
    pub id: i64,
    /// 批次名称，例如“第一批”。
    pub name: String,
    /// 印发名单的区划代码：空为全国，53 为云南省。
    pub region_code: String,
    /// 印发单位所在地区（全国、云南省）。
    pub region_name: String,
    /// 名单文号。
    pub doc_no: String,
    /// 协议签订截止日期（ISO 日期）。
    pub sign_deadline: String,
    /// 名单发布时间（Unix 秒）；未发布为 null。
    pub published_at: Option<i64>,
}

pub(super) fn batch_dto(state: &AppState, b: &Batch) -> BatchDto {
    BatchDto {
        id: b.id,
        name: b.name.clone(),
        region_code: b.region_code.clone(),
        region_name: if b.region_code.is_empty() { "全国".into() } else { state.tree.full_name(&b.region()) },
        doc_no: b.doc_no.clone(),
        sign_deadline: b.sign_deadline.clone(),
        published_at: b.published_at,
    }
}

/// 结对批次列表（全国和各省印发的名单）。
#[utoipa::path(get, path = "/api/v1/pairing/batches", tag = "pairing",
    responses((status = 200, body = [BatchDto]), (status = 401, body = ErrorBody)))]
pub async fn list_batches(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<BatchDto>>, ApiError> {
    Ok(Json(pairing::batches(&state.db).await?.iter().map(|b| batch_dto(&state, b)).collect()))
}

/// 新建结对批次（省级或国家级民政、乡村振兴部门）。
///
/// `region` 为空时取本单位所在地区；`sign_deadline` 为协议签订截止日期。
#[utoipa::path(post, path = "/api/v1/pairing/batches", tag = "pairing", request_body = BatchInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_batch(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<Value>) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input: BatchInput = lenient(body, &[])?;
    let id = ops::create_batch(&state, &user.principal, &user.actor(), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 发布结果。
#[derive(Serialize, ToSchema)]
pub struct Published {
    /// 列入名单的结对数（双方已同意、已签协议或已生效的结对）。
    pub listed: usize,
}

/// 发布批次名单：已同意的结对列入名单，尚未双方同意的提议撤回；发布后只能通过调整申请变更。
#[utoipa::path(post, path = "/api/v1/pairing/batches/{id}/publish", tag = "pairing",
    params(("id" = i64, Path, description = "批次编号")),
    responses((status = 200, body = Published), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish_batch(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<Published>, ApiError> {
    let (_, listed) = ops::publish_batch(&state, &user.principal, &user.actor(), id).await?;
    Ok(Json(Published { listed }))
}

#[derive(Deserialize, IntoParams)]
pub struct AsOfParams {
    /// 日期，例如 2026-11-23：返回该日结束时（北京时间）的名单；不填为当前名单。
    #[serde(default)]
    pub date: String,
}

/// 某批次的名单。
#[derive(Serialize, ToSchema)]
pub struct BatchListDto {
    pub batch: BatchDto,
    /// 名单是否已发布；未发布时 `items` 为该批次中未结束的结对。
    pub published: bool,
    /// 名单所截至的日期（ISO 日期）；空为当前。
    pub date: String,
    pub items: Vec<PairingDto>,
}

/// 批次名单（可查询任一日期的历史名单），只含调用者可查看的结对。
#[utoipa::path(get, path = "/api/v1/pairing/batches/{id}/list", tag = "pairing",
    params(("id" = i64, Path, description = "批次编号"), AsOfParams),
    responses((status = 200, body = BatchListDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<AsOfParams>,
) -> Result<Json<BatchListDto>, ApiError> {
    let b = pairing::batch(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let (at, date) = if q.date.trim().is_empty() {
        (duijie_store::now(), String::new())
    } else {
        let d = duijie_domain::date::parse_date(&q.date).ok_or_else(|| AppError::field("date", "日期无效，例如 2026-11-23"))?;
        (end_of_day(d), d.format("%Y-%m-%d").to_string())
    };
    let all = if b.is_published() { pairing::list_as_of(&state.db, &user.principal.scope(), b.id, at).await? } else { pairing::list::current_rows(&state.db, &user.principal.scope(), &b).await? };
    let items = all.iter().filter(|p| may(&user.principal, Action::ViewPairing, p)).map(|p| pairing_dto(&state, p)).collect();
    Ok(Json(BatchListDto { batch: batch_dto(&state, &b), published: b.is_published(), date, items }))
}

//! Recommendations over the API: organisations and offers for a demand (an organisation learns only its own fit), and demands for an organisation.

use super::*;

pub(super) fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
        .routes(routes!(demand_recommendations))
        .routes(routes!(recommended_demands))
}

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
    let own = who.org_id().filter(|_| who.role() == Role::Organization);
    let (orgs, offers) = match own {
        // An organisation learns its own fit, never who else is recommended.
        Some(org) => {
            let (o, f) = ops::fit_for_org(&state, &d, org).await;
            (o.into_iter().collect(), f.into_iter().take(limit).collect())
        }
        None if who.role().is_government() => ops::recommend_for_demand(&state, &d, limit).await?,
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
        let Some(d) = demand::get(&state.db, r.demand_id).await?.and_then(|d| d.public()) else { continue };
        out.push(RecommendedDemand {
            demand_id: d.id,
            region_name: names.full(&state, d.region_code.as_str()).await,
            region: d.region_code.into(),
            title: d.title,
            field: d.field,
            score: r.score.total,
            reasons: reasons_of(&r.score),
        });
    }
    Ok(Json(out))
}

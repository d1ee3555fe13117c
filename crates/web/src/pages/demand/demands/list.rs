//! The demand list (officers' subtree, organisations' and the public's published demands), with recommendations for organisations.

use super::*;

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub region: String,
    /// "1" small wishes only, "0" none of them, "" all.
    #[serde(default)]
    pub wish: String,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub ok: Option<String>,
}

/// A recommended demand with its score and why.
pub struct RecDemand {
    pub row: DemandRow,
    pub total: i32,
    pub reasons: Vec<Reason>,
}

#[derive(Template, WebTemplate)]
#[template(path = "demand_list.html")]
pub(super) struct ListPage {
    layout: Layout,
    rows: Vec<DemandRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: ListQuery,
    qs: String,
    statuses: Vec<(&'static str, &'static str)>,
    fields: &'static [&'static str],
    is_org: bool,
    can_create: bool,
    can_stats: bool,
    recs: Vec<RecDemand>,
}

pub(super) async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<ListPage, AppError> {
    let who = &cu.principal;
    let is_org = who.role() == Role::Organization;
    let wish = match q.wish.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    // A region that names nothing is kept as typed: it then matches nothing.
    let region = duijie_app::pickers::read_filter(&state, Some(who), &q.region).await.unwrap_or_else(|_| q.region.clone());
    let filter = Filter { status: q.status.clone(), field: q.field.clone(), region, wish };
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = duijie_app::demand::list(&state, &who.scope(), &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let mut recs = Vec::new();
    if is_org && who.org_id().is_some() {
        for r in ops::recommend_for_org(&state, who, 10).await? {
            if let Some(d) = demand::get(&state.db, r.demand_id).await?.and_then(|d| d.public()).filter(|d| d.status() == Status::Published) {
                recs.push(RecDemand { row: demand_row(&state, &d).await, total: r.score.total, reasons: r.score.reasons });
            }
        }
    }
    // Officers see every status of their subtree; organisations only what is public.
    let statuses = Status::ALL.iter().filter(|s| !is_org || s.is_public()).map(|s| (s.as_str(), s.label())).collect();
    Ok(ListPage {
        layout: Layout::new(&state, &cu, "demands", q.ok.clone()).await,
        rows: demand_rows(&state, &items).await,
        total,
        page,
        pages: pages(total),
        qs: query_string(&[("status", &q.status), ("field", &q.field), ("region", &q.region), ("wish", &q.wish)]),
        statuses,
        fields: duijie_domain::org::FIELDS,
        is_org,
        can_create: decide(who, Action::EditDemand, Target::Region(who.region())).is_allowed(),
        can_stats: decide(who, Action::ViewMatchStats, Target::Region(who.region())).is_allowed(),
        recs,
        q,
    })
}

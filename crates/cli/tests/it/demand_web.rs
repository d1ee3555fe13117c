//! The demand and supply pages as counties, approvers and organisations use
//! them: a demand from draft to a confirmed match (and the dashboard's success
//! rate counting it), a household's personal data masked, opened once with an
//! audit row and never shown to organisations or the public, scope (another
//! county's draft is 404), forms naming each bad field, and an offer published,
//! ordered from (点单), confirmed and curated.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use crate::support::{App, Reply, both};
use axum::http::StatusCode;
use duijie_store::demand::matching;

both!(
    a_demand_goes_from_draft_to_a_confirmed_match_and_the_dashboard_counts_it,
    a_households_data_is_masked_opened_once_with_an_audit_row_and_never_shown_to_organisations,
    another_countys_draft_is_not_found_and_drafts_are_not_public,
    the_demand_form_names_each_bad_field_keeps_the_input_and_writes_nothing,
    an_offer_is_published_ordered_from_confirmed_and_curated,
    the_long_unmatched_list_shows_the_countys_oldest_first_a_page_at_a_time,
    village_and_household_demands_name_their_village_never_its_code,
);

/// A fresh demand form as a county officer fills it in; `extra` overrides fields.
fn demand_form<'a>(csrf: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("_csrf", csrf),
        ("title", "测试·洛泽河镇村小图书角"),
        ("description", "为村小建设图书角，配备适龄图书"),
        ("field", "教育"),
        ("target_kind", "township"),
        ("region", "530628102"),
        ("beneficiary_group", "三留守人员"),
        ("beneficiary_count", "80"),
        ("funds_wan", "3"),
        ("mode", "capacity"),
        ("urgency", "2"),
        ("deadline", "2099-06-30"),
        ("contact_name", "李干事"),
        ("contact_phone", "0870-5121234"),
    ];
    for (k, v) in extra {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    form
}

/// Records a demand through the form; returns its id.
async fn record(a: &App, cookie: &str, csrf: &str, extra: &[(&str, &str)]) -> i64 {
    let r = a.post_form("/demands/new", cookie, &demand_form(csrf, extra)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "recording a demand: {}", r.body);
    let shown = a.get(r.location(), cookie).await;
    assert!(shown.body.contains("已保存为草稿"), "a toast follows the redirect");
    r.location().trim_start_matches("/demands/").split('?').next().unwrap().parse().expect("redirect to the new demand")
}

async fn step(a: &App, user: &str, id: i64, step: &str) {
    let (cookie, csrf) = a.login(user).await;
    let page = a.get(&format!("/demands/{id}"), &cookie).await;
    assert!(page.body.contains(&format!("id=\"step-{step}\"")), "{user} should see the {step} button");
    let r = a.post_form(&format!("/demands/{id}/step"), &cookie, &[("_csrf", &csrf), ("step", step), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{user} {step}: {}", r.body);
}

/// Submitted by 彝良县乡村振兴局 and published by 彝良县民政局.
async fn publish(a: &App, id: i64) {
    step(a, "yl_xz", id, "submit").await;
    step(a, "yl_mz", id, "approve").await;
}

/// The number shown in the element with this id (`1,234` → 1234).
fn number(r: &Reply, id: &str) -> i64 {
    let marker = format!("id=\"{id}\">");
    let start = r.body.find(&marker).unwrap_or_else(|| panic!("no #{id} on the page")) + marker.len();
    r.body[start..].split('<').next().unwrap().replace(',', "").trim().parse().unwrap_or_else(|_| panic!("#{id} is not a number"))
}

async fn count(a: &App, sql: &'static str, arg: String) -> i64 {
    duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(sql).bind(arg.clone()).fetch_one(p).await).unwrap()
}

/// The village 洛泽河村 (villages are loaded separately from the region tree; tests insert the one they use).
async fn add_village(a: &App) {
    let sql = "INSERT INTO regions (code, name, level, parent_code) VALUES ('530628102202', '洛泽河村民委员会', 'village', '530628102')";
    duijie_store::on_db!(&a.t.db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
}

/// A valid ID number (GB 11643) from its first 17 digits.
fn id_number(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = first17.chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    format!("{first17}{}", C[(sum % 11) as usize])
}

async fn a_demand_goes_from_draft_to_a_confirmed_match_and_the_dashboard_counts_it(a: App) {
    let (yl, csrf) = a.login("yl_xz").await;
    let dash = a.get("/dashboard", &yl).await;
    for id in ["success-rate", "published-count", "matched-count", "rate-definition", "rate-by-region", "rate-by-field"] {
        assert!(dash.body.contains(&format!("id=\"{id}\"")), "the dashboard shows #{id}");
    }
    assert!(dash.body.contains("供需对接成功率 ="), "the definition is beside the number");
    let (published_before, matched_before) = (number(&dash, "published-count"), number(&dash, "matched-count"));

    let list = a.get("/demands", &yl).await;
    assert!(list.body.contains("id=\"new-demand\""), "a county bureau may record demands");
    let id = record(&a, &yl, &csrf, &[]).await;
    let page = a.get(&format!("/demands/{id}"), &yl).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("草稿") && page.body.contains("云南省昭通市彝良县洛泽河镇"), "status and full place name");
    assert!(!page.body.contains("id=\"step-approve\""), "the recording bureau does not approve its own demand");

    step(&a, "yl_xz", id, "submit").await;
    let (mz, mz_csrf) = a.login("yl_mz").await;
    // Returning needs a reason.
    let no_reason = a.post_form(&format!("/demands/{id}/step"), &mz, &[("_csrf", &mz_csrf), ("step", "return"), ("note", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("请写明退回修改的原因"));
    step(&a, "yl_mz", id, "approve").await;
    assert!(a.get(&format!("/demands/{id}"), &yl).await.body.contains("id=\"demand-status\">已发布"));

    // The county sees why organisations are recommended.
    let page = a.get(&format!("/demands/{id}"), &yl).await;
    assert!(page.body.contains("推荐的社会组织") && page.body.contains("推荐的供给项目"));
    assert!(page.body.contains("业务领域包含“教育”"), "each reason is shown with its points");

    // The organisation finds it among published demands and takes it.
    let (org, org_csrf) = a.login("org_yl").await;
    let list = a.get("/demands", &org).await;
    assert!(list.body.contains("测试·洛泽河镇村小图书角"), "published demands are listed for organisations");
    assert!(list.body.contains("为本组织推荐的需求"));
    let page = a.get(&format!("/demands/{id}"), &org).await;
    assert!(page.body.contains("id=\"take-form\""), "{}", page.body);
    let bad = a.post_form(&format!("/demands/{id}/take"), &org, &[("_csrf", &org_csrf), ("funds_wan", "三万"), ("people", "2"), ("note", "暑期开始")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"error-funds_wan\"") && bad.body.contains("暑期开始"), "the error is under the field and the note is kept");
    let r = a.post_form(&format!("/demands/{id}/take"), &org, &[("_csrf", &org_csrf), ("funds_wan", "3"), ("people", "2"), ("note", "暑期开始")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(a.get(&format!("/demands/{id}"), &org).await.body.contains("待县级确认"));

    // The county confirms on the demand page.
    let m = matching::of_demand(&a.t.db, id).await.unwrap().into_iter().next().expect("a match");
    let page = a.get(&format!("/demands/{id}"), &yl).await;
    assert!(page.body.contains(&format!("id=\"confirm-{}\"", m.id)), "the county is the side that confirms");
    let r = a.post_form(&format!("/matches/{}/decide", m.id), &yl, &[("_csrf", &csrf), ("confirm", "true"), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(&format!("/demands/{id}"), &yl).await;
    assert!(page.body.contains("id=\"demand-status\">已对接"));
    assert!(page.body.contains("id=\"project\"") && page.body.contains("演示·彝良县助学服务中心"), "the project started by the match is shown");

    let dash = a.get("/dashboard", &yl).await;
    assert_eq!(number(&dash, "published-count"), published_before + 1);
    assert_eq!(number(&dash, "matched-count"), matched_before + 1);
    // The same numbers on the statistics page, by township.
    let stats = a.get("/stats/matching?region=530628", &yl).await;
    assert_eq!(stats.status, StatusCode::OK);
    assert_eq!(number(&stats, "matched-count"), matched_before + 1);
    assert!(stats.body.contains("洛泽河镇"));
    let outside = a.get("/stats/matching?region=530627", &yl).await;
    assert!(outside.body.contains("只能查看本单位管辖范围内的地区"));
    // Organisations have no statistics.
    assert!(!a.get("/dashboard", &org).await.body.contains("id=\"success-rate\""));
}

async fn a_households_data_is_masked_opened_once_with_an_audit_row_and_never_shown_to_organisations(a: App) {
    add_village(&a).await;
    let (yl, csrf) = a.login("yl_xz").await;
    let id_no = id_number("53062819800101123");
    let masked = format!("530628********{}", &id_no[14..]);
    let id = record(
        &a,
        &yl,
        &csrf,
        &[
            ("title", "测试·洛泽河村困难户冬衣"),
            ("target_kind", "household"),
            ("region", "530628102202"),
            ("is_wish", "on"),
            ("funds_wan", "0.3"),
            ("household_name", "欧阳晓峰"),
            ("household_id", &id_no),
            ("household_phone", "13812345678"),
        ],
    )
    .await;
    let page = a.get(&format!("/demands/{id}"), &yl).await;
    assert!(page.body.contains(&masked), "the masked ID is shown: {masked}");
    assert!(page.body.contains("欧**峰") && page.body.contains("138****5678"));
    assert!(!page.body.contains(&id_no) && !page.body.contains("欧阳晓峰"), "nothing in full by default");
    assert!(page.body.contains("id=\"household-full\""));

    let views = "SELECT COUNT(*) FROM audit_log WHERE action = 'demand.household.view' AND entity_id = $1";
    assert_eq!(count(&a, views, id.to_string()).await, 0);
    let full = a.post_form(&format!("/demands/{id}/household"), &yl, &[("_csrf", &csrf)]).await;
    assert_eq!(full.status, StatusCode::OK, "the full view is the answer itself, not a redirect");
    assert!(full.body.contains(&id_no) && full.body.contains("欧阳晓峰") && full.body.contains("13812345678"));
    assert!(full.body.contains("本次查看已记入审计日志"));
    assert_eq!(count(&a, views, id.to_string()).await, 1, "the view is audited");
    assert!(!a.get(&format!("/demands/{id}"), &yl).await.body.contains(&id_no), "masked again afterwards");
    // Without the form's token nothing is opened.
    let forged = a.post_form(&format!("/demands/{id}/household"), &yl, &[("_csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!forged.body.contains(&id_no));

    publish(&a, id).await;
    let (org, org_csrf) = a.login("org_yl").await;
    let secrets = [id_no.as_str(), masked.as_str(), "********", "19800101", "欧阳晓峰", "晓峰", "欧**峰", "138****5678", "13812345678"];
    for path in [format!("/demands/{id}"), "/demands".to_string(), "/demands?wish=1".to_string()] {
        let r = a.get(&path, &org).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        for s in secrets {
            assert!(!r.body.contains(s), "the organisation must not see {s:?} on {path}");
        }
    }
    assert!(a.get(&format!("/demands/{id}"), &org).await.body.contains("id=\"household-hidden\""));
    let attempt = a.post_form(&format!("/demands/{id}/household"), &org, &[("_csrf", &org_csrf)]).await;
    assert!(matches!(attempt.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", attempt.status);
    assert!(!attempt.body.contains(&id_no) && !attempt.body.contains("欧阳晓峰"));
    assert_eq!(count(&a, views, id.to_string()).await, 1, "a refused view writes nothing");

    // The public view, without login, lists and shows it without the household.
    for path in [format!("/public/demands/{id}"), "/public/demands".to_string(), "/public/demands?field=教育".to_string()] {
        let r = a.get(&path, "").await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains("测试·洛泽河村困难户冬衣"), "{path} shows the published demand");
        for s in secrets {
            assert!(!r.body.contains(s), "the public must not see {s:?} on {path}");
        }
        assert!(r.body.contains("href=\"/login\""), "the public frame links to the login");
    }
    assert_eq!(a.get("/public/offers", "").await.status, StatusCode::OK);
}

async fn another_countys_draft_is_not_found_and_drafts_are_not_public(a: App) {
    let (yl, csrf) = a.login("yl_xz").await;
    let id = record(&a, &yl, &csrf, &[("title", "测试·彝良县草稿需求")]).await;
    for user in ["zx_xz", "org_yl", "gz_xz"] {
        let (cookie, _) = a.login(user).await;
        assert_eq!(a.get(&format!("/demands/{id}"), &cookie).await.status, StatusCode::NOT_FOUND, "{user}");
        assert!(!a.get("/demands", &cookie).await.body.contains("测试·彝良县草稿需求"), "{user}'s list");
    }
    let (zx, zx_csrf) = a.login("zx_xz").await;
    let r = a.post_form(&format!("/demands/{id}/step"), &zx, &[("_csrf", &zx_csrf), ("step", "submit")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get(&format!("/public/demands/{id}"), "").await.status, StatusCode::NOT_FOUND);
    assert!(!a.get("/public/demands?status=all", "").await.body.contains("测试·彝良县草稿需求"));
    // The province above sees it.
    let (yn, _) = a.login("yn_xz").await;
    assert_eq!(a.get(&format!("/demands/{id}"), &yn).await.status, StatusCode::OK);
}

async fn the_demand_form_names_each_bad_field_keeps_the_input_and_writes_nothing(a: App) {
    let (yl, csrf) = a.login("yl_xz").await;
    let demands = "SELECT COUNT(*) FROM demands WHERE title LIKE $1";
    let form = a.get("/demands/new", &yl).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("加密保存"), "the household note is on the form");
    let mut bad_id = id_number("53062819800101123");
    let last = if bad_id.ends_with('1') { '2' } else { '1' };
    bad_id.pop();
    bad_id.push(last);
    let r = a
        .post_form(
            "/demands/new",
            &yl,
            &demand_form(&csrf, &[("title", "测试·错误的表单"), ("target_kind", "household"), ("region", "530628102202"), ("household_name", "张三"), ("household_id", &bad_id)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error-household_id\"") && r.body.contains("身份证号校验位不对"), "{}", r.body);
    assert!(r.body.contains("测试·错误的表单") && r.body.contains("为村小建设图书角"), "what was typed is kept");

    // A village code that does not exist is named, not a server error.
    let r = a.post_form("/demands/new", &yl, &demand_form(&csrf, &[("title", "测试·错误的表单"), ("target_kind", "village"), ("region", "530628102999")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error-region\"") && r.body.contains("没有这个村级区划代码"), "{}", r.body);

    let r = a.post_form("/demands/new", &yl, &demand_form(&csrf, &[("title", "测试·错误的表单"), ("region", "530627102")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error-region\"") && r.body.contains("只能为本单位管辖范围内的地区录入需求"));

    let r = a.post_form("/demands/new", &yl, &demand_form(&csrf, &[("title", "测试·错误的表单"), ("is_wish", "on"), ("funds_wan", "0.8"), ("field", "")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("微心愿的预计金额不超过 0.5 万元") && r.body.contains("id=\"error-field\""));
    assert_eq!(count(&a, demands, "测试·错误的表单".into()).await, 0);

    // Organisations and civil affairs do not record demands.
    for user in ["org_yl", "yl_mz"] {
        let (cookie, c) = a.login(user).await;
        assert!(!a.get("/demands", &cookie).await.body.contains("id=\"new-demand\""), "{user}");
        assert_eq!(a.get("/demands/new", &cookie).await.status, StatusCode::FORBIDDEN, "{user}");
        let r = a.post_form("/demands/new", &cookie, &demand_form(&c, &[("title", "测试·错误的表单")])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }
    assert_eq!(count(&a, demands, "测试·错误的表单".into()).await, 0);
}

async fn an_offer_is_published_ordered_from_confirmed_and_curated(a: App) {
    let (org, org_csrf) = a.login("org_yl").await;
    let offer = |title: &'static str, fields: &'static str| {
        vec![
            ("title", title),
            ("fields", fields),
            ("target_regions", "昭通市"),
            ("funds_wan", "10"),
            ("people", "3"),
            ("capacity", "2"),
            ("period_start", "2026-01-01"),
            ("period_end", "2099-12-31"),
        ]
    };
    let mut bad = offer("测试·乡村阅读推广", "教育、唱歌");
    bad.push(("_csrf", &org_csrf));
    let r = a.post_form("/offers/new", &org, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error-fields\"") && r.body.contains("唱歌") && r.body.contains("测试·乡村阅读推广"));
    let mut good = offer("测试·乡村阅读推广", "教育");
    good.push(("_csrf", &org_csrf));
    let r = a.post_form("/offers/new", &org, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let offer_id: i64 = r.location().trim_start_matches("/offers/").split('?').next().unwrap().parse().unwrap();
    assert!(a.get("/offers", &org).await.body.contains("测试·乡村阅读推广"));
    // Counties cannot publish offers.
    let (yl, csrf) = a.login("yl_xz").await;
    assert_eq!(a.get("/offers/new", &yl).await.status, StatusCode::FORBIDDEN);
    assert!(a.get("/offers", &yl).await.body.contains("测试·乡村阅读推广"), "the county sees its organisations' offers");

    // 点单: the county orders from the recommended offer, the organisation confirms.
    let id = record(&a, &yl, &csrf, &[("title", "测试·角奎镇阅读推广")]).await;
    publish(&a, id).await;
    let page = a.get(&format!("/demands/{id}"), &yl).await;
    assert!(page.body.contains(&format!("id=\"order-{offer_id}\"")), "the offer is recommended with 点单");
    assert!(page.body.contains("供给项目面向该地区"));
    let r = a.post_form(&format!("/demands/{id}/order"), &yl, &[("_csrf", &csrf), ("offer_id", &offer_id.to_string()), ("note", "请尽快安排")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let m = matching::of_demand(&a.t.db, id).await.unwrap().into_iter().next().unwrap();
    assert!(!a.get(&format!("/demands/{id}"), &yl).await.body.contains(&format!("id=\"confirm-{}\"", m.id)), "the proposer does not confirm");
    let page = a.get(&format!("/demands/{id}"), &org).await;
    assert!(page.body.contains(&format!("id=\"confirm-{}\"", m.id)), "the organisation confirms a 点单");
    let r = a.post_form(&format!("/matches/{}/decide", m.id), &org, &[("_csrf", &org_csrf), ("confirm", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(a.get(&format!("/demands/{id}"), &yl).await.body.contains("id=\"demand-status\">已对接"));
    assert!(a.get(&format!("/offers/{offer_id}"), &org).await.body.contains("id=\"offer-capacity\">1/2"));

    // Curation: featured, then hidden with a reason; the organisation cannot republish it.
    let r = a.post_form(&format!("/offers/{offer_id}/status"), &yl, &[("_csrf", &csrf), ("status", "published"), ("featured", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(a.get(&format!("/offers/{offer_id}"), &org).await.body.contains("id=\"offer-featured\""));
    let no_reason = a.post_form(&format!("/offers/{offer_id}/status"), &yl, &[("_csrf", &csrf), ("status", "hidden"), ("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("请写明下架原因"));
    let r = a.post_form(&format!("/offers/{offer_id}/status"), &yl, &[("_csrf", &csrf), ("status", "hidden"), ("reason", "内容与实际不符")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = a.get(&format!("/offers/{offer_id}"), &org).await;
    assert!(page.body.contains("已下架") && page.body.contains("内容与实际不符"));
    let again = a.post_form(&format!("/offers/{offer_id}/status"), &org, &[("_csrf", &org_csrf), ("status", "published")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!a.get("/public/offers", "").await.body.contains("测试·乡村阅读推广"), "hidden offers are not public");
    // Another organisation cannot open the hidden offer at all.
    let (yn, _) = a.login("org_yn").await;
    assert_eq!(a.get(&format!("/offers/{offer_id}"), &yn).await.status, StatusCode::NOT_FOUND);
}

/// 23 demands: one moved to another county, one published today, 21 published
/// over 90 days ago in 彝良县 — the list adds those 21 to the demo's, oldest
/// first, 20 a page.
async fn the_long_unmatched_list_shows_the_countys_oldest_first_a_page_at_a_time(a: App) {
    let (cookie, csrf) = a.login("yl_xz").await;
    let total = |r: &Reply| -> i64 {
        let marker = "id=\"unmatched-total\">共 ";
        let start = r.body.find(marker).unwrap_or_else(|| panic!("no total: {}", r.body)) + marker.len();
        r.body[start..].split(' ').next().unwrap().parse().unwrap()
    };
    let before = total(&a.get("/demands/unmatched", &cookie).await);
    let mut ids = Vec::new();
    for i in 0..23 {
        let title = format!("测试·长期未对接{i:02}");
        ids.push(record(&a, &cookie, &csrf, &[("title", &title)]).await);
    }
    let now = duijie_store::now();
    for (i, id) in ids.iter().enumerate() {
        let published_at = if i == 1 { now } else { now - 90 * 86_400 + i as i64 * 60 };
        let sql = "UPDATE demands SET status = 'published', published_at = $1, updated_at = $2 WHERE id = $3";
        duijie_store::on_db!(&a.t.db, p => sqlx::query(sql).bind(published_at).bind(now).bind(*id).execute(p).await.map(|_| ())).unwrap();
    }
    let sql = "UPDATE demands SET region_code = '530627', county_code = '530627' WHERE id = $1";
    duijie_store::on_db!(&a.t.db, p => sqlx::query(sql).bind(ids[0]).execute(p).await.map(|_| ())).unwrap();
    a.state.derived.sync().await.unwrap();

    let first = a.get("/demands/unmatched", &cookie).await;
    assert_eq!(first.status, StatusCode::OK);
    let (all, pages) = (before + 21, (before + 21 + 19) / 20);
    assert_eq!(total(&first), all, "the demo's and the 21 published long ago in this county");
    assert!(first.body.contains(&format!("第 1/{pages} 页")), "a page of 20 at a time");
    let at = |r: &Reply, i: usize| r.body.find(&format!("测试·长期未对接{i:02}"));
    assert!(at(&first, 2).is_some() && at(&first, 2) < at(&first, 3), "the oldest first");
    assert!(at(&first, 22).is_none(), "the newest of them is on a later page");
    assert!(at(&first, 0).is_none(), "another county's demand is not listed");
    assert!(at(&first, 1).is_none(), "a demand published today is not long unmatched");
    let last = a.get(&format!("/demands/unmatched?page={pages}"), &cookie).await;
    assert!(at(&last, 22).is_some() && at(&last, 2).is_none(), "the newest of them is on the last page");
    assert!(last.body.contains(&format!("<td class=\"seq\">{all}</td>")), "rows keep their numbers across pages");
    let past = a.get("/demands/unmatched?page=999", &cookie).await;
    assert!(past.body.contains(&format!("第 {pages}/{pages} 页")), "a page past the end shows the last one");
}

/// Issue 17, item 4: wherever a village or household demand appears — its
/// page, the list, the search, the API, the audit trail — people read the
/// village's name, not the 12-digit code.
async fn village_and_household_demands_name_their_village_never_its_code(a: App) {
    add_village(&a).await;
    const VILLAGE: &str = "云南省昭通市彝良县洛泽河镇洛泽河村民委员会";
    let (yl, csrf) = a.login("yl_xz").await;
    let id_no = id_number("53062819800101123");
    let village = record(&a, &yl, &csrf, &[("title", "测试·洛泽河村文化广场"), ("target_kind", "village"), ("region", "530628102202")]).await;
    let household = record(
        &a,
        &yl,
        &csrf,
        &[("title", "测试·洛泽河村住户助学"), ("target_kind", "household"), ("region", "530628102202"), ("household_name", "欧阳晓峰"), ("household_id", &id_no), ("household_phone", "13812345678")],
    )
    .await;
    for id in [village, household] {
        let page = a.get(&format!("/demands/{id}"), &yl).await;
        assert!(page.body.contains(VILLAGE), "demand {id}'s page names the village: {}", page.body);
    }
    let list = a.get("/demands", &yl).await;
    assert!(list.body.contains(VILLAGE) && !list.body.contains("530628102202"), "the list names the village: {}", list.body);
    let found = a.get("/search?q=%E6%B4%9B%E6%B3%BD%E6%B2%B3%E6%9D%91", &yl).await; // 洛泽河村
    assert!(found.body.contains("测试·洛泽河村文化广场"), "the search finds the demand: {}", found.body);
    assert!(found.body.contains(VILLAGE) && !found.body.contains("530628102202"), "search results name the village: {}", found.body);
    let token = a.token("yl_xz").await;
    let api = a.api("GET", &format!("/api/v1/demands/{village}"), Some(&token), None).await;
    assert_eq!(api.json()["region_name"], VILLAGE);
    let audit = a.get("/admin/audit", &a.login("admin").await.0).await;
    assert!(audit.body.contains("洛泽河村民委员会"), "the audit trail names the village: {}", audit.body);
}
